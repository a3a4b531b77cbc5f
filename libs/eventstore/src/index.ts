export type { Decider } from './decider';
export { EventStore, type AppendRequest, type CommandRequest, type CommandResult, type ExpectedVersion } from './event-store';
export { eventStoreSchemaSql } from './event-store.schema';
export { EventRelay, toBusRecord, topicOf, type RelayOptions } from './event-relay';
export { ProjectionConsumer, fromBusRecord } from './projection-consumer';
export { liveTables, projectionTablesSql, type Projection, type TableNames } from './projection';
export { rebuildProjection, type RebuildProgress } from './projection-rebuild';
export { assertIdentifier } from './sql-identifier';
export { logStart, type EventMetadata, type LogCursor, type StoredEvent } from './stored-event';
