import { eventStoreSchemaSql, projectionTablesSql } from '@chronicle/eventstore';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackingProjections } from '../projections';
import { trackingSchema } from '../tracking.schema';

export class TrackingInit1763900000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(eventStoreSchemaSql(trackingSchema));
    for (const projection of trackingProjections) await runner.query(projectionTablesSql(trackingSchema, projection));
    await runner.query(`CREATE SEQUENCE ${trackingSchema}.experiment_ids START 1`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP SCHEMA ${trackingSchema} CASCADE`);
  }
}
