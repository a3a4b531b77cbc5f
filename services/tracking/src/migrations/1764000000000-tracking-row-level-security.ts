import { isolateWorkspaces, shareWorkspaces } from '@chronicle/database';
import { eventStoreWorkspaceTables } from '@chronicle/eventstore';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackingSchema } from '../tracking.schema';

/** The tracking log behind row-level security on workspace_id (projection tables get theirs when built). */
export class TrackingRowLevelSecurity1764000000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    for (const table of eventStoreWorkspaceTables) await isolateWorkspaces(runner, trackingSchema, table);
  }

  async down(runner: QueryRunner): Promise<void> {
    for (const table of eventStoreWorkspaceTables) await shareWorkspaces(runner, trackingSchema, table);
  }
}
