import { wire } from '@chronicle/mlflow-wire';
import { z } from 'zod';
import type { LifecycleStage } from '../../domain/tracking-event';

/** MLflow's ViewType, by name or number (ACTIVE_ONLY=1, DELETED_ONLY=2, ALL=3). */
export const viewType = z
  .union([z.enum(['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL']), wire.int().pipe(z.union([z.literal(1), z.literal(2), z.literal(3)]))])
  .default('ACTIVE_ONLY');

export function lifecycleStagesOf(view: z.infer<typeof viewType>): LifecycleStage[] {
  if (view === 'DELETED_ONLY' || view === 2) return ['deleted'];
  if (view === 'ALL' || view === 3) return ['active', 'deleted'];
  return ['active'];
}
