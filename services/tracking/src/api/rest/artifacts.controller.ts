import { Authorize, type ResourceAction } from '@chronicle/authz';
import { joinArtifactPath, normalizeArtifactKey, normalizeArtifactPath, type ArtifactStore } from '@chronicle/artifacts';
import { NotFound, NotImplemented } from '@chronicle/errors';
import { parseMessage, wire } from '@chronicle/mlflow-wire';
import { Body, Controller, Delete, Get, HttpCode, Inject, Post, Put, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import type { CommandContext } from '../../commands/command-context';
import { ExperimentPolicy } from '../../policies/experiment.policy';
import { ExperimentsRepository } from '../../repositories/experiments.repository';
import { LoggedModelsRepository } from '../../repositories/logged-models.repository';
import { ArtifactListing, ARTIFACT_STORE } from '../../queries/artifact-listing.query';
import { RunsRepository } from '../../repositories/runs.repository';
import { RequestContext } from './request-context.decorator';

/** Express 5 hands a `*path` wildcard over as its segments. */
function wildcard(request: Request): string {
  const raw = (request.params as Record<string, string | string[]>).path ?? '';
  return Array.isArray(raw) ? raw.join('/') : raw;
}

/**
 * MLflow's artifact proxy (`mlflow-artifacts`) and run/model artifact listings. Keys are scoped
 * by workspace, so one store serves every tenant; bodies stream both ways.
 */
@Controller()
export class ArtifactsController {
  constructor(
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
    private readonly runs: RunsRepository,
    private readonly models: LoggedModelsRepository,
    private readonly experiments: ExperimentsRepository,
    private readonly policy: ExperimentPolicy,
    private readonly listing: ArtifactListing,
  ) {}

  @Authorize('update', 'Experiment')
  @Put(['api/2.0/mlflow-artifacts/artifacts/*path', 'ajax-api/2.0/mlflow-artifacts/artifacts/*path'])
  @HttpCode(200)
  async upload(@RequestContext() ctx: CommandContext, @Req() request: Request) {
    await this.store.put(await this.proxiedKey(ctx, 'update', normalizeArtifactKey(wildcard(request))), request);
    return {};
  }

  @Authorize('read', 'Experiment')
  @Get(['api/2.0/mlflow-artifacts/artifacts/*path', 'ajax-api/2.0/mlflow-artifacts/artifacts/*path'])
  async download(@RequestContext() ctx: CommandContext, @Req() request: Request, @Res() response: Response) {
    const path = normalizeArtifactKey(wildcard(request));
    const { body, size } = await this.store.get(await this.proxiedKey(ctx, 'read', path));
    response.set({
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': `attachment; filename="${basename(path)}"`,
      'x-content-type-options': 'nosniff',
    });
    await pipeline(body, response);
  }

  @Authorize('delete', 'Experiment')
  @Delete(['api/2.0/mlflow-artifacts/artifacts/*path', 'ajax-api/2.0/mlflow-artifacts/artifacts/*path'])
  async remove(@RequestContext() ctx: CommandContext, @Req() request: Request) {
    await this.store.delete(await this.proxiedKey(ctx, 'delete', normalizeArtifactKey(wildcard(request))));
    return {};
  }

  @Authorize('read', 'Experiment')
  @Get(['api/2.0/mlflow-artifacts/artifacts', 'ajax-api/2.0/mlflow-artifacts/artifacts'])
  async listProxied(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const { path } = parseMessage(z.object({ path: wire.text().default('') }), query);
    const entries = await this.store.list(await this.proxiedKey(ctx, 'read', normalizeArtifactPath(path)));
    return { files: entries.map((e) => ({ path: e.path, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })) };
  }

  @Authorize('read', 'Experiment')
  @Get(['api/2.0/mlflow/artifacts/list', 'ajax-api/2.0/mlflow/artifacts/list'])
  async listRun(@RequestContext() ctx: CommandContext, @Query() query: unknown) {
    const input = parseMessage(z.object({ run_id: wire.text().optional(), run_uuid: wire.text().optional(), path: wire.text().default('') }), query);
    const runId = input.run_id || input.run_uuid || parseMessage(z.object({ run_id: wire.id() }), {}).run_id;
    const run = await this.runs.get(ctx.workspaceId, runId);
    if (!run) throw new NotFound(`Run with id=${runId} not found`);
    await this.policy.require(ctx, 'read', run.info.experimentId);
    return this.listUnder(ctx, run.info.artifactUri, input.path);
  }

  @Authorize('read', 'Experiment')
  @Get(['api/2.0/mlflow/logged-models/:modelId/artifacts/directories', 'ajax-api/2.0/mlflow/logged-models/:modelId/artifacts/directories'])
  async listModel(@RequestContext() ctx: CommandContext, @Req() request: Request, @Query() query: unknown) {
    const { artifact_directory_path } = parseMessage(z.object({ artifact_directory_path: wire.text().default('') }), query);
    const model = await this.models.get(ctx.workspaceId, request.params.modelId as string);
    if (!model) throw new NotFound(`Logged model with ID '${request.params.modelId}' not found.`);
    await this.policy.require(ctx, 'read', model.experimentId);
    return this.listUnder(ctx, model.artifactUri, artifact_directory_path);
  }

  @Authorize('update', 'Experiment')
  @Post(['api/2.0/mlflow-artifacts/mpu/create/*path', 'ajax-api/2.0/mlflow-artifacts/mpu/create/*path'])
  @HttpCode(200)
  async createMultipart(@RequestContext() ctx: CommandContext, @Req() request: Request, @Body() body: unknown) {
    const { num_parts } = parseMessage(z.object({ num_parts: wire.int() }), body);
    const upload = await this.multipart().create(await this.proxiedKey(ctx, 'update', normalizeArtifactKey(wildcard(request))), num_parts);
    return {
      upload_id: upload.uploadId,
      credentials: upload.parts.map((p) => ({ url: p.url, part_number: p.partNumber, headers: p.headers })),
    };
  }

  @Authorize('update', 'Experiment')
  @Post(['api/2.0/mlflow-artifacts/mpu/complete/*path', 'ajax-api/2.0/mlflow-artifacts/mpu/complete/*path'])
  @HttpCode(200)
  async completeMultipart(@RequestContext() ctx: CommandContext, @Req() request: Request, @Body() body: unknown) {
    const input = parseMessage(z.object({ upload_id: wire.id(), parts: z.array(z.object({ part_number: wire.int(), etag: wire.id() })) }), body);
    const parts = input.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag }));
    await this.multipart().complete(await this.proxiedKey(ctx, 'update', normalizeArtifactKey(wildcard(request))), input.upload_id, parts);
    return {};
  }

  @Authorize('update', 'Experiment')
  @Post(['api/2.0/mlflow-artifacts/mpu/abort/*path', 'ajax-api/2.0/mlflow-artifacts/mpu/abort/*path'])
  @HttpCode(200)
  async abortMultipart(@RequestContext() ctx: CommandContext, @Req() request: Request, @Body() body: unknown) {
    const { upload_id } = parseMessage(z.object({ upload_id: wire.id() }), body);
    await this.multipart().abort(await this.proxiedKey(ctx, 'update', normalizeArtifactKey(wildcard(request))), upload_id);
    return {};
  }

  private async listUnder(ctx: CommandContext, rootUri: string, path: string) {
    const { files } = await this.listing.list(ctx.workspaceId, rootUri, path);
    return { root_uri: rootUri, files: files.map((f) => ({ path: f.path, is_dir: f.isDir, ...(f.isDir ? {} : { file_size: f.size }) })) };
  }

  private multipart() {
    if (!this.store.multipart) throw new NotImplemented('Multipart upload is not supported for the current artifact repository');
    return this.store.multipart;
  }

  /**
   * The store key of a proxied path, once the caller may `action` the experiment it lives under:
   * as in MLflow, the first path segment is the experiment id (`<experiment>/<run>/artifacts/...`).
   */
  private async proxiedKey(ctx: CommandContext, action: ResourceAction, path: string): Promise<string> {
    const experimentId = path.split('/')[0] ?? '';
    if (!(await this.experiments.get(ctx.workspaceId, experimentId))) {
      throw new NotFound(`No Experiment with id=${experimentId} exists for artifact path '${path}'`);
    }
    await this.policy.require(ctx, action, experimentId);
    return this.key(ctx, path);
  }

  private key(ctx: CommandContext, path: string): string {
    return joinArtifactPath(ctx.workspaceId, path);
  }
}
