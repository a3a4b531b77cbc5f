import { Authorize } from '@chronicle/authz';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { NotFound } from '@chronicle/errors';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentCommandsHandler } from '../../commands/experiment-commands.handler';
import { ExperimentsRepository } from '../../repositories/experiments.repository';
import { lifecycleStagesFor } from '../../search/view-type';
import { viewType } from './view-type';
import { experimentJson } from './mlflow-json';
import { RequestContext } from './request-context.decorator';
import { ExperimentSearch } from '../../queries/experiment-search.query';
import { ExperimentPolicy } from '../../policies/experiment.policy';

const createSchema = z.object({ name: wire.text(), artifact_location: wire.text().optional(), tags: wire.keyValues() });
const idSchema = z.object({ experiment_id: wire.id() });
const searchSchema = z.object({
  max_results: wire.int().default(1000),
  page_token: wire.text().optional(),
  filter: wire.text().optional(),
  order_by: wire.list(z.string()),
  view_type: viewType,
});

@Controller(['api/2.0/mlflow/experiments', 'ajax-api/2.0/mlflow/experiments'])
export class ExperimentsController {
  constructor(
    private readonly commands: ExperimentCommandsHandler,
    private readonly experiments: ExperimentsRepository,
    private readonly search: ExperimentSearch,
    private readonly policy: ExperimentPolicy,
  ) {}

  @Authorize('create', 'Experiment')
  @Post('create')
  @HttpCode(200)
  async create(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(createSchema, body);
    await this.commands.ensureDefault(ctx);
    const id = await this.commands.create(ctx, { name: input.name, artifactLocation: input.artifact_location, tags: input.tags });
    return { experiment_id: id };
  }

  @Authorize('read', 'Experiment')
  @Get('get')
  async get(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const { experiment_id } = parseMessage(idSchema, query);
    await this.commands.ensureDefault(ctx);
    const experiment = await this.experiments.get(ctx.workspaceId, experiment_id);
    if (!experiment) throw new NotFound(`No Experiment with id=${experiment_id} exists`);
    await this.policy.require(ctx, 'read', experiment_id);
    return { experiment: experimentJson(experiment) };
  }

  @Authorize('read', 'Experiment')
  @Get('get-by-name')
  async getByName(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const { experiment_name } = parseMessage(z.object({ experiment_name: wire.id() }), query);
    await this.commands.ensureDefault(ctx);
    const experiment = await this.experiments.getByName(ctx.workspaceId, experiment_name);
    if (!experiment) throw new NotFound(`Could not find experiment with name '${experiment_name}'`);
    await this.policy.require(ctx, 'read', experiment.experimentId);
    return { experiment: experimentJson(experiment) };
  }

  @Authorize('read', 'Experiment')
  @Post('search')
  @HttpCode(200)
  searchPost(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    return this.runSearch(ctx, body);
  }

  @Authorize('read', 'Experiment')
  @Get('search')
  searchGet(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    return this.runSearch(ctx, query);
  }

  @Authorize('update', 'Experiment')
  @Post('update')
  @HttpCode(200)
  async update(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ experiment_id: wire.id(), new_name: wire.id() }), body);
    await this.commands.rename(ctx, input.experiment_id, input.new_name);
    return {};
  }

  @Authorize('delete', 'Experiment')
  @Post('delete')
  @HttpCode(200)
  async delete(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    await this.commands.delete(ctx, parseMessage(idSchema, body).experiment_id);
    return {};
  }

  @Authorize('delete', 'Experiment')
  @Post('restore')
  @HttpCode(200)
  async restore(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    await this.commands.restore(ctx, parseMessage(idSchema, body).experiment_id);
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('set-experiment-tag')
  @HttpCode(200)
  async setTag(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ experiment_id: wire.id(), key: wire.id(), value: wire.text().default('') }), body);
    await this.commands.setTag(ctx, input.experiment_id, { key: input.key, value: input.value });
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post('delete-experiment-tag')
  @HttpCode(200)
  async deleteTag(@RequestContext() ctx: CommandContext, @Body() body: unknown) {
    const input = parseMessage(z.object({ experiment_id: wire.id(), key: wire.id() }), body);
    await this.commands.deleteTag(ctx, input.experiment_id, input.key);
    return {};
  }

  private async runSearch(ctx: CommandContext, source: unknown) {
    const input = parseMessage(searchSchema, source);
    await this.commands.ensureDefault(ctx);
    const page = await this.search.search(ctx, {
      filter: input.filter,
      orderBy: input.order_by,
      lifecycleStages: lifecycleStagesFor(input.view_type),
      maxResults: input.max_results,
      pageToken: input.page_token,
    });
    return { experiments: page.items.map(experimentJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) };
  }
}
