/** Who and what caused an event; stored with it and carried on the bus. */
export interface EventMetadata {
  actor: string;
  correlationId: string;
  causationId?: string;
  requestId?: string;
  /** Unix epoch milliseconds at which the command was accepted. */
  occurredAt: number;
  idempotencyKey?: string;
}

/** An event as read back from a log, its payload still encoded: what the relay forwards. */
export interface EncodedEvent {
  position: number;
  transactionId: string;
  workspaceId: string;
  streamId: string;
  streamVersion: number;
  schemaVersion: number;
  eventType: string;
  /** The protobuf-encoded payload, as stored. */
  payload: Uint8Array;
  metadata: EventMetadata;
}

/** An event as read back from a log, decoded. */
export interface StoredEvent<E> extends EncodedEvent {
  event: E;
}

/** A place in a log in commit order: (transaction id, position). */
export interface LogCursor {
  transactionId: string;
  position: number;
}

export const logStart: LogCursor = { transactionId: '0', position: 0 };
