import type { EventMetadata } from '@chronicle/eventstore';

/** Who is asking: the edge builds it once per request from the authenticated principal. */
export interface CommandContext {
  /** Principal id (`user:alice`, `sa:ci-bot`), or `system` for what the server does by itself. */
  actor: string;
  requestId: string;
  idempotencyKey?: string;
  /** Unix ms; commands take their time from here so deciders stay pure. */
  now: number;
}

export function metadataOf(ctx: CommandContext): EventMetadata {
  return { actor: ctx.actor, correlationId: ctx.requestId, requestId: ctx.requestId, occurredAt: ctx.now, idempotencyKey: ctx.idempotencyKey };
}
