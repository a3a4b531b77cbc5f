import { SetMetadata } from '@nestjs/common';
import type { Action, SubjectType } from './ability';

export const authorizeKey = 'chronicle:authorize';

/** What a route requires: a CASL action on a subject type, or nothing beyond reaching the server. */
export type RoutePolicy = { public: true } | { public: false; action: Action; subject: SubjectType };

/** The route needs a caller who may `action` some `subject`; the handler then checks the loaded resource. */
export const Authorize = (action: Action, subject: SubjectType) => SetMetadata(authorizeKey, { public: false, action, subject } satisfies RoutePolicy);

/** The route answers anyone (health, version): MLflow leaves these unprotected too. */
export const Public = () => SetMetadata(authorizeKey, { public: true } satisfies RoutePolicy);
