export { identityConfigSchema, type IdentityConfig } from './config/identity.config';
export { assembleIdentity, openIdentityDatabase, startIdentity, type IdentityRuntime, type IdentityRuntimeOptions } from './identity/identity.runtime';
export { IdentityModule } from './identity/identity.module';
export { authenticationMiddleware, type IdentifiedRequest } from './identity/authentication/authentication.middleware';
export { Authenticator, type Caller, type Credentials } from './identity/authentication/authenticator';
export { IdentityEventStore } from './identity/identity.event-store';
export { identityProjections, workspaceResourcesProjection } from './identity/projections';
export { identityMigrations } from './identity/migrations';
