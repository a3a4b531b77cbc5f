import { Authorize } from '@chronicle/authz';
import { NotFound } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { LoggedModelCommandsHandler } from '../../commands/logged-model-commands.handler';
import { loggedModelStatuses } from '../../domain/logged-model/logged-model.decider';
import { LoggedModelsRepository } from '../../repositories/logged-models.repository';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { compileLoggedModelSearch } from '../../search/logged-model-search.sql';
import { parseOrderByClause } from '../../search/order-by.parser';
import { decodePageToken, encodePageToken } from '../../search/page-token';
import { LOGGED_MODEL_SEARCH } from '../../search/search-entities';
import { parseSearchFilter } from '../../search/search-filter.parser';
import { trackingSchema } from '../../tracking.schema';
import { loggedModelJson } from './mlflow-json';
import { RequestContext } from './request-context.decorator';

const keyValues = wire.keyValues();
const maxSearchResults = 1000;

@Controller(['api/2.0/mlflow/logged-models', 'ajax-api/2.0/mlflow/logged-models'])
export class LoggedModelsController {
  constructor(
    private readonly commands: LoggedModelCommandsHandler,
    private readonly models: LoggedModelsRepository,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('update', 'Experiment')
  @Post()
  @HttpCode(200)
  async create(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({
        experiment_id: wire.id(),
        name: wire.text().optional(),
        model_type: wire.text().optional(),
        source_run_id: wire.text().optional(),
        params: keyValues,
        tags: keyValues,
      }),
      body,
    );
    const modelId = await this.commands.create(ctx, {
      experimentId: input.experiment_id,
      name: input.name,
      modelType: input.model_type,
      sourceRunId: input.source_run_id,
      params: input.params,
      tags: input.tags,
    });
    return { model: await this.load(ctx, modelId) };
  }

  @Authorize('read', 'Experiment')
  @Post('search')
  @HttpCode(200)
  async search(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(
      z.object({
        experiment_ids: wire.list(z.string()),
        filter: wire.text().optional(),
        order_by: z.array(z.object({ field_name: wire.id(), ascending: wire.bool().default(true) })).default([]),
        max_results: wire.int().pipe(z.number().min(1).max(maxSearchResults)).default(100),
        page_token: wire.text().optional(),
      }),
      body,
    );
    const offset = decodePageToken(input.page_token);
    const ids = await this.models.findIds(
      compileLoggedModelSearch({
        schema: trackingSchema,
        workspaceId: ctx.workspaceId,
        // Logged models inherit their experiment's permissions, so unreadable experiments drop out of the query.
        experimentIds: await this.policy.readableIds(ctx, input.experiment_ids),
        filter: parseSearchFilter(input.filter, LOGGED_MODEL_SEARCH),
        orderBy: input.order_by.map((o) => parseOrderByClause(`${o.field_name} ${o.ascending ? 'ASC' : 'DESC'}`, LOGGED_MODEL_SEARCH)),
        limit: input.max_results + 1,
        offset,
      }),
    );
    const models = await this.models.getMany(ctx.workspaceId, ids.slice(0, input.max_results));
    return {
      models: models.map(loggedModelJson),
      ...(ids.length > input.max_results ? { next_page_token: encodePageToken(offset + input.max_results) } : {}),
    };
  }

  @Authorize('read', 'Experiment')
  @Get(':modelId')
  async get(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string) {
    return { model: await this.load(ctx, modelId) };
  }

  @Authorize('update', 'Experiment')
  @Patch(':modelId')
  async finalize(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string, @Body() body: unknown) {
    const { status } = parseMessage(z.object({ status: z.enum(loggedModelStatuses) }), body);
    await this.commands.finalize(ctx, modelId, status);
    return { model: await this.load(ctx, modelId) };
  }

  @Authorize('delete', 'Experiment')
  @Delete(':modelId')
  async delete(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string) {
    await this.commands.delete(ctx, modelId);
    return {};
  }

  @Authorize('update', 'Experiment')
  @Patch(':modelId/tags')
  async setTags(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string, @Body() body: unknown) {
    const { tags } = parseMessage(z.object({ tags: keyValues }), body);
    await this.commands.setTags(ctx, modelId, tags);
    return { model: await this.load(ctx, modelId) };
  }

  @Authorize('delete', 'Experiment')
  @Delete(':modelId/tags/:key')
  async deleteTag(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string, @Param('key') key: string) {
    await this.commands.deleteTag(ctx, modelId, key);
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post(':modelId/params')
  @HttpCode(200)
  async logParams(@RequestContext() ctx: CommandContext, @Param('modelId') modelId: string, @Body() body: unknown) {
    const { params } = parseMessage(z.object({ params: keyValues }), body);
    await this.commands.logParams(ctx, modelId, params);
    return {};
  }

  private async load(ctx: CommandContext, modelId: string) {
    const model = await this.models.get(ctx.workspaceId, modelId);
    if (!model) throw new NotFound(`Logged model with ID '${modelId}' not found.`);
    await this.policy.require(ctx, 'read', model.experimentId);
    return loggedModelJson(model);
  }
}
