import { Authorize } from '@chronicle/authz';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Get, Header, HttpCode, Post, Query, StreamableFile } from '@nestjs/common';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { RunCommandsHandler } from '../../commands/run-commands.handler';
import { runStatuses } from '../../domain/tracking-event';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { RunSearch } from '../../queries/run-search.query';
import { RunsRepository } from '../../repositories/runs.repository';
import { RequestContext } from './request-context.decorator';
import { lifecycleStagesFor } from '../../search/view-type';
import { viewType } from './view-type';

const withRun = <T extends z.ZodRawShape>(shape: T) => z.object({ run_id: wire.text().optional(), run_uuid: wire.text().optional(), ...shape });
const metricPoint = z.object({
  key: wire.id(),
  value: wire.double(),
  timestamp: wire.int(),
  step: wire.int().default(0),
  model_id: wire.text().optional(),
  dataset_name: wire.text().optional(),
  dataset_digest: wire.text().optional(),
});
const keyValue = z.object({ key: wire.id(), value: wire.text().nullish().transform((v) => v ?? '') });
const status = z.enum(runStatuses);
const datasetInput = z.object({
  tags: wire.keyValues(),
  dataset: z.object({
    name: wire.id(),
    digest: wire.id(),
    source_type: wire.id(),
    source: wire.id(),
    schema: wire.text().default(''),
    profile: wire.text().default(''),
  }),
});

const toPoint = (m: z.infer<typeof metricPoint>) => ({
  key: m.key,
  value: m.value,
  timestamp: m.timestamp,
  step: m.step,
  modelId: m.model_id ?? '',
  datasetName: m.dataset_name ?? '',
  datasetDigest: m.dataset_digest ?? '',
});

// The client sends run_uuid (deprecated) beside run_id; either names the run.
function runIdOf(source: unknown): string {
  const { run_id, run_uuid } = (source ?? {}) as { run_id?: unknown; run_uuid?: unknown };
  const runId = run_id || run_uuid;
  if (typeof runId !== 'string' || runId === '') return parseMessage(z.object({ run_id: wire.id() }), {}).run_id;
  return runId;
}

// Runs go out as the MLflow JSON text Postgres builds (RunsRepository.getMlflowJson and
// findMlflowJson), so the endpoints returning runs answer with that text and say it is JSON.
@Controller(['api/2.0/mlflow/runs', 'ajax-api/2.0/mlflow/runs'])
export class RunsController {
  constructor(
    private readonly commands: RunCommandsHandler,
    private readonly runs: RunsRepository,
    private readonly search: RunSearch,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('update', 'Experiment')
  @Post('create')
  @HttpCode(200)
  @Header('content-type', 'application/json')
  async create(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({
        experiment_id: wire.text().default('0'),
        user_id: wire.text().optional(),
        run_name: wire.text().optional(),
        start_time: wire.int().optional(),
        tags: wire.keyValues(),
      }),
      body,
    );
    const runId = await this.commands.create(ctx, {
      experimentId: input.experiment_id || '0',
      runName: input.run_name,
      userId: input.user_id,
      startTime: input.start_time,
      tags: input.tags,
    });
    return `{"run":${(await this.runs.getMlflowJson(ctx.workspaceId, runId))!.run}}`;
  }

  @Authorize('read', 'Experiment')
  @Get('get')
  @Header('content-type', 'application/json')
  async get(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const runId = runIdOf(query);
    const run = await this.runs.getMlflowJson(ctx.workspaceId, runId);
    if (!run) throw new NotFound(`Run with id=${runId} not found`);
    await this.policy.require(ctx, 'read', run.experimentId);
    return `{"run":${run.run}}`;
  }

  @Authorize('update', 'Experiment')
  @Post('update')
  @HttpCode(200)
  @Header('content-type', 'application/json')
  async update(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const runId = runIdOf(body);
    const input = parseMessage(withRun({ status: status.optional(), end_time: wire.int().optional(), run_name: wire.text().optional() }), body);
    await this.commands.update(ctx, runId, { status: input.status, endTime: input.end_time, runName: input.run_name });
    return `{"run_info":${(await this.runs.getMlflowJson(ctx.workspaceId, runId))!.info}}`;
  }

  @Authorize('delete', 'Experiment')
  @Post('delete')
  @HttpCode(200)
  async delete(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    await this.commands.delete(ctx, runIdOf(body));
    return {};
  }

  @Authorize('delete', 'Experiment')
  @Post('restore')
  @HttpCode(200)
  async restore(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    await this.commands.restore(ctx, runIdOf(body));
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('log-metric')
  @HttpCode(200)
  async logMetric(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const runId = runIdOf(body);
    const point = parseMessage(metricPoint, body);
    await this.commands.logBatch(ctx, runId, { metrics: [toPoint(point)] });
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('log-parameter')
  @HttpCode(200)
  async logParam(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const runId = runIdOf(body);
    const param = parseMessage(keyValue, body);
    await this.commands.logBatch(ctx, runId, { params: [param] });
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('set-tag')
  @HttpCode(200)
  async setTag(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const runId = runIdOf(body);
    const tag = parseMessage(keyValue, body);
    await this.commands.logBatch(ctx, runId, { tags: [tag] });
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('delete-tag')
  @HttpCode(200)
  async deleteTag(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ run_id: wire.id(), key: wire.id() }), body);
    await this.commands.deleteTag(ctx, input.run_id, input.key);
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('log-batch')
  @HttpCode(200)
  async logBatch(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({ run_id: wire.id(), metrics: z.array(metricPoint).default([]), params: z.array(keyValue).default([]), tags: z.array(keyValue).default([]) }),
      body,
    );
    // MLflow rejects a repeated param key in one batch, even with the same value.
    const keys = input.params.map((p) => p.key);
    const duplicates = [...new Set(keys.filter((key, i) => keys.indexOf(key) !== i))];
    if (duplicates.length > 0) {
      throw new InvalidArgument(
        `Duplicate parameter keys have been submitted: [${duplicates.map((k) => `'${k}'`).join(', ')}]. Please ensure the request contains only one param value per param key.`,
      );
    }
    await this.commands.logBatch(ctx, input.run_id, { metrics: input.metrics.map(toPoint), params: input.params, tags: input.tags });
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('log-inputs')
  @HttpCode(200)
  async logInputs(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({ run_id: wire.id(), datasets: z.array(datasetInput).default([]), models: z.array(z.object({ model_id: wire.id() })).default([]) }),
      body,
    );
    const datasets = input.datasets.map((d) => ({
      tags: d.tags,
      dataset: {
        name: d.dataset.name,
        digest: d.dataset.digest,
        sourceType: d.dataset.source_type,
        source: d.dataset.source,
        schema: d.dataset.schema,
        profile: d.dataset.profile,
      },
    }));
    await this.commands.logInputs(ctx, input.run_id, datasets, input.models.map((m) => m.model_id));
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('outputs')
  @HttpCode(200)
  async logOutputs(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ run_id: wire.id(), models: z.array(z.object({ model_id: wire.id(), step: wire.int().default(0) })) }), body);
    await this.commands.logOutputs(ctx, input.run_id, input.models.map((m) => ({ modelId: m.model_id, step: m.step })));
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('log-model')
  @HttpCode(200)
  async logModel(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ run_id: wire.id(), model_json: wire.id() }), body);
    await this.commands.logLegacyModel(ctx, input.run_id, input.model_json);
    return {};
  }

  @Authorize('read', 'Experiment')
  @Post('search')
  @HttpCode(200)
  @Header('content-type', 'application/json')
  async searchRuns(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({
        experiment_ids: wire.list(z.string()),
        filter: wire.text().optional(),
        run_view_type: viewType,
        max_results: wire.int().default(1000),
        order_by: wire.list(z.string()),
        page_token: wire.text().optional(),
      }),
      body,
    );
    const page = await this.search.searchMlflowJson(ctx, {
      experimentIds: input.experiment_ids,
      filter: input.filter,
      lifecycleStages: lifecycleStagesFor(input.run_view_type),
      maxResults: input.max_results,
      orderBy: input.order_by,
      pageToken: input.page_token,
    });
    const token = page.nextPageToken ? `,"next_page_token":${JSON.stringify(page.nextPageToken)}` : '';
    const response = jsonListBody('{"runs":[', page.items, `]${token}}`);
    return new StreamableFile(response, { length: response.length });
  }
}

/**
 * `head`, the items separated by commas, then `tail`, written into one UTF-8 buffer. A page of
 * 1000 runs is 2.8 MB. Joined as strings it was allocated twice per search (the join, then the
 * body), both in V8's old generation, which then filled and was collected every few dozen searches.
 */
function jsonListBody(head: string, items: readonly string[], tail: string): Buffer {
  let length = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(items.length - 1, 0);
  for (const item of items) length += Buffer.byteLength(item);
  const body = Buffer.allocUnsafe(length);
  let at = body.write(head);
  items.forEach((item, index) => {
    if (index > 0) at += body.write(',', at);
    at += body.write(item, at);
  });
  body.write(tail, at);
  return body;
}
