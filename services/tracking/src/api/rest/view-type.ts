import { wire } from '@chronicle/mlflow-wire';
import { z } from 'zod';
import type { ViewType } from '../../search/view-type';

const viewTypes: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

/** MLflow's ViewType on the wire, by name or number (ACTIVE_ONLY=1, DELETED_ONLY=2, ALL=3). */
export const viewType = z
  .union([
    z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']),
    wire
      .int()
      .pipe(z.union([z.literal(1), z.literal(2), z.literal(3)]))
      .transform((n) => viewTypes[n - 1]),
  ])
  .default('ACTIVE_ONLY');
