import { workspaceScope } from '@chronicle/database';
import { MlflowErrorFilter, toMlflowError } from '@chronicle/mlflow-wire';
import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import express from 'express';
import { Logger } from 'nestjs-pino';

// The artifact proxy streams raw bodies of any content type; nothing may parse them first.
const isArtifactUpload = (req: Request) => req.method === 'PUT' && /^\/(ajax-)?api\/2\.0\/mlflow-artifacts\/artifacts\//.test(req.path);
const isApi = (req: Request) => /^\/(ajax-)?api\//.test(req.path);
const json = express.json({ limit: '64mb', strict: false });

/** MLflow rejects POST/PUT bodies that are not declared JSON (mlflow/server/validation.py). */
function mlflowBodies(req: Request, res: Response, next: NextFunction): void {
  if (isApi(req) && (req.method === 'POST' || req.method === 'PUT') && !req.is('application/json') && Number(req.headers['content-length'] ?? 0) > 0) {
    res.status(400).json({ error_code: 'INVALID_PARAMETER_VALUE', message: "Bad Request. Content-Type must be one of ['application/json']." });
    return;
  }
  json(req, res, (error?: unknown) => {
    if (!error) return next();
    const { status, body } = toMlflowError(error);
    res.status(status).json(body);
  });
}

export interface HttpAppOptions {
  /** Which request paths this app parses the JSON body of; the gateway streams the others on untouched. */
  parseBodies?: (path: string) => boolean;
}

/** Builds the HTTP application of a module: JSON logs with request ids, MLflow bodies and errors. */
export async function createHttpApp(module: Type<unknown>, options: HttpAppOptions = {}): Promise<INestApplication> {
  const parses = options.parseBodies ?? (() => true);
  const app = await NestFactory.create<NestExpressApplication>(module, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(Logger));
  // No ETag on API bodies (MLflow's server sends none, clients never revalidate them): Express
  // hashed every body for it, ~27 ms for a 32 MB dashboard response.
  app.set('etag', false);
  // Each request's queries run under row-level security once authentication names its workspace.
  app.use((_req: Request, _res: Response, next: NextFunction) => workspaceScope.run(next));
  app.use((req: Request, res: Response, next: NextFunction) => (isArtifactUpload(req) || !parses(req.path) ? next() : mlflowBodies(req, res, next)));
  app.useGlobalFilters(new MlflowErrorFilter());
  return app;
}
