import { IdentityInit1764000000000 } from './1764000000000-identity-init';

/** Every identity migration, oldest first. */
export const identityMigrations = [IdentityInit1764000000000];
