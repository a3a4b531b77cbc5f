import type { LifecycleStage } from '../domain/tracking-event';

export type { LifecycleStage };

/** MLflow's ViewType (run_view_type / view_type); ACTIVE_ONLY is the default. */
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

const STAGES: Readonly<Record<ViewType, readonly LifecycleStage[]>> = {
  ACTIVE_ONLY: ['active'],
  DELETED_ONLY: ['deleted'],
  ALL: ['active', 'deleted'],
};

export function lifecycleStagesFor(viewType: ViewType = 'ACTIVE_ONLY'): readonly LifecycleStage[] {
  return STAGES[viewType];
}
