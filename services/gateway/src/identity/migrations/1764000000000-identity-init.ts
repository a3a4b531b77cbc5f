import { eventStoreSchemaSql } from '@chronicle/eventstore';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { identitySchema } from '../identity.schema';
import { identityAuxiliaryTablesSql } from '../identity.tables';

/** The identity event store and the tables outside its projections (see ensureProjections). */
export class IdentityInit1764000000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(eventStoreSchemaSql(identitySchema));
    await runner.query(identityAuxiliaryTablesSql(identitySchema));
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP SCHEMA ${identitySchema} CASCADE`);
  }
}
