import { registerEnumType } from '@nestjs/graphql';
import { loggedModelStatuses, type LoggedModelStatus } from '../../domain/logged-model/logged-model.decider';
import { runStatuses, type RunStatus } from '../../domain/tracking-event';

// GraphQL enums made from the domain's literal lists, so there is one list of statuses.
export const RunStatusEnum = Object.fromEntries(runStatuses.map((s) => [s, s])) as { [S in RunStatus]: S };
registerEnumType(RunStatusEnum, { name: 'RunStatus' });

export const LoggedModelStatusEnum = Object.fromEntries(loggedModelStatuses.map((s) => [s, s])) as { [S in LoggedModelStatus]: S };
registerEnumType(LoggedModelStatusEnum, { name: 'LoggedModelStatus' });
