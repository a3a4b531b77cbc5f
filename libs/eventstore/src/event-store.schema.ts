import { assertIdentifier } from './sql-identifier';

/**
 * DDL for one service's event store inside its own schema: the append-only log, idempotency
 * keys, stream snapshots and checkpoints. Called from each service's first migration.
 */
export function eventStoreSchemaSql(schema: string): string {
  const s = assertIdentifier(schema);
  return `
    CREATE SCHEMA IF NOT EXISTS ${s};

    CREATE TABLE ${s}.events (
      position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      -- The appending transaction: the relay reads only below the oldest running one, so an
      -- event with a smaller position that commits later is never skipped.
      transaction_id  xid8 NOT NULL DEFAULT pg_current_xact_id(),
      workspace_id    text NOT NULL,
      stream_id       text NOT NULL,
      stream_version  bigint NOT NULL,
      event_type      text NOT NULL,
      schema_version  int NOT NULL,
      payload         bytea NOT NULL,
      metadata        jsonb NOT NULL,
      recorded_at     timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT events_stream_version_key UNIQUE (workspace_id, stream_id, stream_version)
    );
    CREATE INDEX events_commit_order_idx ON ${s}.events (transaction_id, position);

    CREATE FUNCTION ${s}.reject_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'the event log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$;
    CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON ${s}.events
      FOR EACH ROW EXECUTE FUNCTION ${s}.reject_event_change();
    CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON ${s}.events
      FOR EACH STATEMENT EXECUTE FUNCTION ${s}.reject_event_change();

    CREATE TABLE ${s}.idempotency_keys (
      workspace_id  text NOT NULL,
      key           text NOT NULL,
      result        jsonb NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, key)
    );

    CREATE TABLE ${s}.snapshots (
      workspace_id  text NOT NULL,
      stream_id     text NOT NULL,
      version       bigint NOT NULL,
      state         jsonb NOT NULL,
      PRIMARY KEY (workspace_id, stream_id)
    );

    CREATE TABLE ${s}.checkpoints (
      name            text PRIMARY KEY,
      transaction_id  xid8 NOT NULL,
      position        bigint NOT NULL
    );

    CREATE TABLE ${s}.consumer_offsets (
      consumer        text NOT NULL,
      workspace_id    text NOT NULL,
      stream_id       text NOT NULL,
      stream_version  bigint NOT NULL,
      PRIMARY KEY (consumer, workspace_id, stream_id)
    );

    CREATE TABLE ${s}.projections (
      name          text PRIMARY KEY,
      version       int NOT NULL,
      rebuilt_at    timestamptz
    );
  `;
}

/** The event store's tables that hold workspace rows, which services put behind row-level security. */
export const eventStoreWorkspaceTables = ['events', 'idempotency_keys', 'snapshots', 'consumer_offsets'] as const;
