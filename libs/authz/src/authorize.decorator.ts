import { SetMetadata } from '@nestjs/common';
import type { Action, SubjectType } from './ability';

export const authorizeKey = 'chronicle:authorize';

/** What a route requires: a CASL action on a subject type, any authenticated caller, or nothing beyond reaching the server. */
export type RoutePolicy = { public: true } | { public: false; action: Action; subject: SubjectType } | { public: false; authenticated: true };

/** The route needs a caller who may `action` some `subject`; the handler then checks the loaded resource. */
export const Authorize = (action: Action, subject: SubjectType) => SetMetadata(authorizeKey, { public: false, action, subject } satisfies RoutePolicy);

/** The route answers anyone (health, version): MLflow leaves these unprotected too. */
export const Public = () => SetMetadata(authorizeKey, { public: true } satisfies RoutePolicy);

/**
 * The route needs an authenticated caller and nothing more at the route: its handler decides on
 * the resource, e.g. a workspace named in the body rather than the request's (tokens), or the
 * caller's own user record (MLflow lets a user read and change their own password).
 */
export const Authenticated = () => SetMetadata(authorizeKey, { public: false, authenticated: true } satisfies RoutePolicy);
