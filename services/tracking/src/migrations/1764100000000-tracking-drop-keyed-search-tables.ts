import type { MigrationInterface, QueryRunner } from 'typeorm';
import { trackingSchema } from '../tracking.schema';

/**
 * Runs projection v4 searches the run row's own params and tags, so the keyed tables v3 kept for
 * search are no one's any more; rebuilding a projection replaces only the tables it declares.
 */
export class TrackingDropKeyedSearchTables1764100000000 implements MigrationInterface {
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE IF EXISTS ${trackingSchema}.run_params, ${trackingSchema}.run_tags`);
  }

  async down(): Promise<void> {
    // Nothing to restore: a runs projection that declares them again rebuilds them from the log.
  }
}
