import { Database } from '@chronicle/database';
import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { runStream } from '../domain/run/run.decider';
import { TrackingEventStore } from '../tracking.event-store';
import { DownsampledSeries } from './downsampled-series';
import { MetricsRepository, type MetricBucketView, type StepRange } from './metrics.repository';

// A 100-run × 10-metric dashboard at 500 buckets holds ~48 MB (six columns in both packings, as
// base64 bytes outside the JavaScript heap): room for two of them.
const cacheBytes = 128 * 1024 * 1024;

interface CachedSeries {
  runVersion: number;
  series: DownsampledSeries;
}

/** How `get` names a series in its answer. */
export const seriesId = (runId: string, key: string) => `${runId}\u0000${key}`;

/**
 * Downsampled series, kept between requests: aggregating a dashboard's millions of raw points
 * takes seconds, and a finished run's series never change. A cached series is served only while
 * its run's stream is at the version it was computed at: every metric a run gets is an event on
 * its stream, so any write makes the next read aggregate afresh (read-your-writes).
 */
@Injectable()
export class DownsampledSeriesRepository {
  private readonly cache = new LRUCache<string, CachedSeries>({
    maxSize: cacheBytes,
    sizeCalculation: (entry, key) => entry.series.byteLength + key.length,
  });

  constructor(
    private readonly db: Database,
    private readonly store: TrackingEventStore,
    private readonly metrics: MetricsRepository,
  ) {}

  /** Every run × key series, by `seriesId`; the caller has already dropped the runs it may not read. */
  async get(workspaceId: string, runIds: readonly string[], keys: readonly string[], buckets: number, range: StepRange): Promise<Map<string, DownsampledSeries>> {
    // The versions are read before the points: points read later are at least as new, so a series
    // is never stored under a version newer than its data.
    const streamVersions = await this.store.streamVersions(this.db, workspaceId, runIds.map(runStream));
    // A plain join, as seriesId (a thousand series a query): JSON escapes any NUL in the workspace.
    const resolution = JSON.stringify([workspaceId, buckets, range]);
    const cacheKey = (runId: string, key: string) => `${resolution}\u0000${seriesId(runId, key)}`;
    const found = new Map<string, DownsampledSeries>();
    const staleRuns = new Set<string>();
    const staleKeys = new Set<string>();
    for (const runId of runIds) {
      const runVersion = streamVersions.get(runStream(runId)) ?? 0;
      for (const key of keys) {
        const cached = this.cache.get(cacheKey(runId, key));
        if (cached?.runVersion === runVersion) found.set(seriesId(runId, key), cached.series);
        else {
          staleRuns.add(runId);
          staleKeys.add(key);
        }
      }
    }
    if (staleRuns.size === 0) return found;

    const fresh = new Map<string, MetricBucketView[]>();
    for (const bucket of await this.metrics.downsampled(workspaceId, [...staleRuns], [...staleKeys], buckets, range)) {
      const id = seriesId(bucket.runId, bucket.key);
      const series = fresh.get(id);
      if (series) series.push(bucket);
      else fresh.set(id, [bucket]);
    }
    for (const runId of staleRuns) {
      const runVersion = streamVersions.get(runStream(runId)) ?? 0;
      for (const key of staleKeys) {
        const series = DownsampledSeries.of(fresh.get(seriesId(runId, key)) ?? []);
        this.cache.set(cacheKey(runId, key), { runVersion, series });
        found.set(seriesId(runId, key), series);
      }
    }
    return found;
  }
}
