export type { TrackingEvent } from '@chronicle/contracts';
import type { trackingV1 } from '@chronicle/contracts';

export type Tag = trackingV1.Tag;
export type Param = trackingV1.Param;
export type MetricPoint = trackingV1.MetricPoint;
export type LifecycleStage = 'active' | 'deleted';
export const runStatuses = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof runStatuses)[number];
