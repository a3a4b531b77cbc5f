import type { EventMetadata } from '@chronicle/eventstore';

/** Who is asking, in which workspace: the edge builds it once per request. */
export interface CommandContext {
  workspaceId: string;
  actor: string;
  requestId: string;
  idempotencyKey?: string;
  /** Unix ms; commands take their time from here so deciders stay pure. */
  now: number;
}

export function metadataOf(ctx: CommandContext): EventMetadata {
  return {
    actor: ctx.actor,
    correlationId: ctx.requestId,
    requestId: ctx.requestId,
    occurredAt: ctx.now,
    idempotencyKey: ctx.idempotencyKey,
  };
}
