import type { Projection } from '@chronicle/eventstore';
import { freshSchema, type FreshSchema } from '@chronicle/testing';
import { identityAuxiliaryTablesSql } from '../identity.tables';
import { identityProjections } from '../projections';

/** A fresh schema holding identity's event store and every identity table, for one test file. */
export async function identityTestSchema(): Promise<FreshSchema> {
  const fx = await freshSchema(identityProjections as unknown as Projection<never>[], 'identity_it');
  await fx.db.query(identityAuxiliaryTablesSql(fx.schema));
  return fx;
}
