import { serviceAccountsProjection } from './service-accounts.projection';
import { tokensProjection } from './tokens.projection';
import { usersProjection } from './users.projection';
import { workspaceAccessProjection } from './workspace-access.projection';

export { workspaceResourcesProjection } from './workspace-resources.projection';

/** Identity's read models of its own log, updated inline (in the append transaction). */
export const identityProjections = [workspaceAccessProjection, usersProjection, serviceAccountsProjection, tokensProjection];
