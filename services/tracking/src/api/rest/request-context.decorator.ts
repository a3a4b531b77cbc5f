import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { CommandContext } from '../../commands/command-context';
import { commandContextOf, type IncomingRequest } from '../request-context';

/** Builds the command context of an MLflow REST request: workspace header, actor, request id. */
export const RequestContext = createParamDecorator((_: unknown, host: ExecutionContext): CommandContext =>
  commandContextOf(host.switchToHttp().getRequest<Request & IncomingRequest>()),
);
