import { Authorize } from '@chronicle/authz';
import { InvalidArgument } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Controller, Get, Query } from '@nestjs/common';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { MetricsRepository } from '../../repositories/metrics.repository';
import { decodeHistoryPageToken, encodeHistoryPageToken } from '../../search/history-page-token';
import { metricJson } from './mlflow-json';
import { RequestContext } from './request-context.decorator';

const historyPageLimit = 25000;
const bulkIntervalMaxRuns = 100;
const bulkIntervalMaxResults = 2500;

@Controller(['api/2.0/mlflow/metrics', 'ajax-api/2.0/mlflow/metrics'])
export class MetricsController {
  constructor(
    private readonly metrics: MetricsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('read', 'Experiment')
  @Get('get-history')
  async history(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const input = parseMessage(
      z.object({
        run_id: wire.text().optional(),
        run_uuid: wire.text().optional(),
        metric_key: wire.id(),
        page_token: wire.text().optional(),
        max_results: wire.int().optional(),
      }),
      query,
    );
    const runId = input.run_id || input.run_uuid;
    if (!runId) parseMessage(z.object({ run_id: wire.id() }), {});
    await this.policy.requireForRun(ctx, 'read', runId!);
    // MLflow 3.6 turns an omitted max_results into an empty page; absent means "all" here.
    const limit = Math.min(input.max_results || historyPageLimit, historyPageLimit);
    const cursor = decodeHistoryPageToken(input.page_token);
    const rows = await this.metrics.history(ctx.workspaceId, runId!, input.metric_key, cursor, limit + 1);
    const points = rows.slice(0, limit);
    const page = points.map(({ runId: _runId, ...point }) => metricJson(point));
    const last = points.at(-1);
    return { metrics: page, ...(rows.length > limit && last ? { next_page_token: encodeHistoryPageToken(cursor.offset + limit, last) } : {}) };
  }

  @Authorize('read', 'Experiment')
  @Get('get-history-bulk-interval')
  async bulkInterval(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const input = parseMessage(
      z.object({
        run_ids: wire.list(z.string()),
        metric_key: wire.id(),
        start_step: wire.int().optional(),
        end_step: wire.int().optional(),
        max_results: wire.int().default(bulkIntervalMaxResults),
      }),
      query,
    );
    if (input.run_ids.length === 0) throw new InvalidArgument('GetMetricHistoryBulkInterval request must specify at least one run_id.');
    if (input.run_ids.length > bulkIntervalMaxRuns) {
      throw new InvalidArgument(`GetMetricHistoryBulkInterval request cannot specify more than ${bulkIntervalMaxRuns} run_ids. Received ${input.run_ids.length} run_ids.`);
    }
    if (input.max_results < 1 || input.max_results > bulkIntervalMaxResults) {
      throw new InvalidArgument(`max_results must be between 1 and ${bulkIntervalMaxResults}.`);
    }
    if ((input.start_step === undefined) !== (input.end_step === undefined)) {
      throw new InvalidArgument('If either start step or end step are specified, both must be specified.');
    }
    if (input.start_step !== undefined && input.end_step !== undefined && input.start_step > input.end_step) {
      throw new InvalidArgument('end_step must be greater than start_step.');
    }
    const range = input.start_step !== undefined ? { start: input.start_step, end: input.end_step! } : null;
    const runIds = await this.policy.readableRunIds(ctx, input.run_ids);
    const points = await this.metrics.sampledHistory(ctx.workspaceId, runIds, input.metric_key, input.max_results, range);
    return { metrics: points.map(metricJson) };
  }
}
