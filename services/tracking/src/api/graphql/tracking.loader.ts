import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { ExperimentsRepository } from '../../repositories/experiments.repository';
import { LoggedModelsRepository } from '../../repositories/logged-models.repository';
import { DownsampledSeries } from '../../repositories/downsampled-series';
import { DownsampledSeriesRepository, seriesId } from '../../repositories/downsampled-series.repository';
import type { StepRange } from '../../repositories/metrics.repository';
import type { ExperimentView, LoggedModelView, RunView } from '../../repositories/read-models';
import { RunsRepository } from '../../repositories/runs.repository';
import type { GraphqlContext } from './graphql-context';

export interface SeriesKey {
  runId: string;
  key: string;
  buckets: number;
  range: StepRange;
}

/**
 * Per-request batching: whatever a query asks of N runs costs one statement per kind, not N. Every
 * loader loads only what the caller may read (runs, models and series inherit from their
 * experiment), so no resolver can reach past the caller's permissions through them.
 */
export interface RequestLoaders {
  run: DataLoader<string, RunView | null>;
  experiment: DataLoader<string, ExperimentView | null>;
  loggedModel: DataLoader<string, LoggedModelView | null>;
  series: DataLoader<SeriesKey, DownsampledSeries, string>;
}

// A dashboard loads a thousand series per query, so these keys are plain joins, not JSON: buckets and
// steps are numbers, and, as in seriesId, a run's id (generated hex) holds no NUL to blur the join.
const seriesGroup = (k: SeriesKey) => (k.range ? `${k.buckets}\u0000${k.range.start}\u0000${k.range.end}` : `${k.buckets}`);

@Injectable()
export class TrackingLoaders {
  private readonly perRequest = new WeakMap<GraphqlContext, RequestLoaders>();

  constructor(
    private readonly runs: RunsRepository,
    private readonly experiments: ExperimentsRepository,
    private readonly loggedModels: LoggedModelsRepository,
    private readonly series: DownsampledSeriesRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  /** The loaders of one request; they live as long as its context. */
  of(context: GraphqlContext): RequestLoaders {
    let loaders = this.perRequest.get(context);
    if (!loaders) {
      loaders = this.create(context.command);
      this.perRequest.set(context, loaders);
    }
    return loaders;
  }

  private create(ctx: CommandContext): RequestLoaders {
    const workspaceId = ctx.workspaceId;
    const byId = <V>(load: (ids: string[]) => Promise<V[]>, idOf: (v: V) => string) =>
      new DataLoader<string, V | null>(async (ids) => {
        const found = new Map((await load([...ids])).map((v) => [idOf(v), v]));
        return ids.map((id) => found.get(id) ?? null);
      });
    return {
      run: byId(async (ids) => this.runs.getMany(workspaceId, await this.policy.readableRunIds(ctx, ids)), (r) => r.info.runId),
      experiment: byId(async (ids) => this.experiments.getMany(workspaceId, await this.policy.readableIds(ctx, ids)), (e) => e.experimentId),
      loggedModel: byId(async (ids) => {
        const models = await this.loggedModels.getMany(workspaceId, ids);
        const readable = new Set(await this.policy.readableIds(ctx, [...new Set(models.map((m) => m.experimentId))]));
        return models.filter((m) => readable.has(m.experimentId));
      }, (m) => m.modelId),
      series: new DataLoader<SeriesKey, DownsampledSeries, string>((keys) => this.loadSeries(ctx, keys), {
        cacheKeyFn: (k) => `${seriesGroup(k)}\u0000${seriesId(k.runId, k.key)}`,
      }),
    };
  }

  // Per distinct (buckets, range), one permission check, one read of the runs' versions and at most
  // one aggregation of what the cache lacks: dashboards ask for the same resolution throughout.
  private async loadSeries(ctx: CommandContext, keys: readonly SeriesKey[]): Promise<DownsampledSeries[]> {
    const groupOfKey = keys.map(seriesGroup);
    const groups = new Map<string, SeriesKey[]>();
    keys.forEach((k, i) => {
      const group = groups.get(groupOfKey[i]);
      if (group) group.push(k);
      else groups.set(groupOfKey[i], [k]);
    });
    const results = new Map<string, Map<string, DownsampledSeries>>();
    await Promise.all(
      [...groups.entries()].map(async ([group, members]) => {
        const { buckets, range } = members[0];
        const runIds = await this.policy.readableRunIds(ctx, [...new Set(members.map((k) => k.runId))]);
        const metricKeys = [...new Set(members.map((k) => k.key))];
        results.set(group, await this.series.get(ctx.workspaceId, runIds, metricKeys, buckets, range));
      }),
    );
    return keys.map((k, i) => results.get(groupOfKey[i])!.get(seriesId(k.runId, k.key)) ?? DownsampledSeries.empty);
  }
}
