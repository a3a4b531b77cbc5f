import type { AppAbility, Principal } from '@chronicle/authz';
import type { EventMetadata } from '@chronicle/eventstore';

/** Who is asking, in which workspace, with what rights: the edge builds it once per request. */
export interface CommandContext {
  workspaceId: string;
  actor: string;
  principal: Principal;
  /** The caller's rules: checked against each loaded resource and compiled into list filters. */
  ability: AppAbility;
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
