import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { ExperimentsRepository } from '../../repositories/experiments.repository';
import { LoggedModelsRepository } from '../../repositories/logged-models.repository';
import { MetricsRepository, type MetricBucketView } from '../../repositories/metrics.repository';
import type { ExperimentView, LoggedModelView, RunView } from '../../repositories/read-models';
import { RunsRepository } from '../../repositories/runs.repository';
import type { GraphqlContext } from './graphql-context';

export interface SeriesKey {
  runId: string;
  key: string;
  buckets: number;
  range: { start: number; end: number } | null;
}

/** Per-request batching: whatever a query asks of N runs costs one statement per kind, not N. */
export interface RequestLoaders {
  run: DataLoader<string, RunView | null>;
  experiment: DataLoader<string, ExperimentView | null>;
  loggedModel: DataLoader<string, LoggedModelView | null>;
  series: DataLoader<SeriesKey, MetricBucketView[], string>;
}

const seriesGroup = (k: SeriesKey) => JSON.stringify([k.buckets, k.range]);

@Injectable()
export class TrackingLoaders {
  private readonly perRequest = new WeakMap<GraphqlContext, RequestLoaders>();

  constructor(
    private readonly runs: RunsRepository,
    private readonly experiments: ExperimentsRepository,
    private readonly loggedModels: LoggedModelsRepository,
    private readonly metrics: MetricsRepository,
  ) {}

  /** The loaders of one request; they live as long as its context. */
  of(context: GraphqlContext): RequestLoaders {
    let loaders = this.perRequest.get(context);
    if (!loaders) {
      loaders = this.create(context.command.workspaceId);
      this.perRequest.set(context, loaders);
    }
    return loaders;
  }

  private create(workspaceId: string): RequestLoaders {
    const byId = <V>(load: (ids: string[]) => Promise<V[]>, idOf: (v: V) => string) =>
      new DataLoader<string, V | null>(async (ids) => {
        const found = new Map((await load([...ids])).map((v) => [idOf(v), v]));
        return ids.map((id) => found.get(id) ?? null);
      });
    return {
      run: byId((ids) => this.runs.getMany(workspaceId, ids), (r) => r.info.runId),
      experiment: byId((ids) => this.experiments.getMany(workspaceId, ids), (e) => e.experimentId),
      loggedModel: byId((ids) => this.loggedModels.getMany(workspaceId, ids), (m) => m.modelId),
      series: new DataLoader<SeriesKey, MetricBucketView[], string>((keys) => this.loadSeries(workspaceId, keys), {
        cacheKeyFn: (k) => JSON.stringify([k.runId, k.key, k.buckets, k.range]),
      }),
    };
  }

  // One statement per distinct (buckets, range): dashboards ask for the same resolution throughout.
  private async loadSeries(workspaceId: string, keys: readonly SeriesKey[]): Promise<MetricBucketView[][]> {
    const groups = new Map<string, SeriesKey[]>();
    for (const k of keys) {
      const group = groups.get(seriesGroup(k));
      if (group) group.push(k);
      else groups.set(seriesGroup(k), [k]);
    }
    const results = new Map<string, MetricBucketView[]>();
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { buckets, range } = group[0];
        const runIds = [...new Set(group.map((k) => k.runId))];
        const metricKeys = [...new Set(group.map((k) => k.key))];
        for (const bucket of await this.metrics.downsampled(workspaceId, runIds, metricKeys, buckets, range)) {
          const id = JSON.stringify([bucket.runId, bucket.key, seriesGroup(group[0])]);
          const series = results.get(id);
          if (series) series.push(bucket);
          else results.set(id, [bucket]);
        }
      }),
    );
    return keys.map((k) => results.get(JSON.stringify([k.runId, k.key, seriesGroup(k)])) ?? []);
  }
}
