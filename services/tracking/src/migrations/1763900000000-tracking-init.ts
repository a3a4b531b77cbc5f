import { eventStoreSchemaSql } from '@chronicle/eventstore';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackingSchema } from '../tracking.schema';

/** The tracking event store; read-model tables belong to the projections (see ensureProjections). */
export class TrackingInit1763900000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(eventStoreSchemaSql(trackingSchema));
    await runner.query(`CREATE SEQUENCE ${trackingSchema}.experiment_ids START 1`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP SCHEMA ${trackingSchema} CASCADE`);
  }
}
