/**
 * Typed domain errors. Domain and application code throws these and never an HTTP exception;
 * each edge (MLflow REST, GraphQL, Kafka) translates them once.
 */
export type DomainErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'
  | 'CONFLICT'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'NOT_IMPLEMENTED';

export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class NotFound extends DomainError {
  readonly code = 'NOT_FOUND';
}
export class AlreadyExists extends DomainError {
  readonly code = 'ALREADY_EXISTS';
}
export class InvalidArgument extends DomainError {
  readonly code = 'INVALID_ARGUMENT';
}
/** The resource exists but is in a state that forbids the operation (MLflow: INVALID_STATE). */
export class InvalidState extends DomainError {
  readonly code = 'INVALID_STATE';
}
export class Conflict extends DomainError {
  readonly code = 'CONFLICT';
}
export class Forbidden extends DomainError {
  readonly code = 'FORBIDDEN';
}
export class Unauthenticated extends DomainError {
  readonly code = 'UNAUTHENTICATED';
}
export class NotImplemented extends DomainError {
  readonly code = 'NOT_IMPLEMENTED';
}

/** Optimistic concurrency failure on append: another writer got to the stream first. */
export class ConcurrencyError extends Conflict {
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
  ) {
    super(`Stream ${streamId} was modified concurrently (expected version ${expectedVersion})`);
  }
}
