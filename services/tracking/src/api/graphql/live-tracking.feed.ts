import { trackingEvents } from '@chronicle/contracts';
import { fromBusRecord, topicOf } from '@chronicle/eventstore';
import type { DeliveredRecord, EventBus, Subscription } from '@chronicle/messaging';
import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PubSub } from 'graphql-subscriptions';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { RunsRepository } from '../../repositories/runs.repository';
import type { LiveEventScope } from './graphql-context';

export const EVENT_BUS = Symbol('EventBus');

export interface LiveMetrics extends LiveEventScope {
  metrics: { key: string; value: number; timestamp: number; step: number }[];
}

export interface LiveRunChange extends LiveEventScope {
  /** The event that changed the run: RunCreated, RunUpdated, RunDeleted or RunRestored. */
  change: string;
  status: string | null;
  endTime: number | null;
  lifecycleStage: string | null;
}

export interface LiveTopics {
  [topic: string]: unknown;
  metrics: LiveMetrics;
  runChanges: LiveRunChange;
}

// Runs never move between experiments, so an id once looked up stays right; the bound keeps memory flat.
const rememberedRuns = 10_000;

/**
 * Feeds subscriptions from the event bus: every process reads the whole tracking topic in its own
 * consumer group (Kafka when distributed, in process when embedded) and republishes run status
 * changes and metric points to a local PubSub. Subscribers filter by workspace and scope.
 */
@Injectable()
export class LiveTrackingFeed implements OnModuleInit, OnModuleDestroy {
  readonly pubsub = new PubSub<LiveTopics>();
  private subscription?: Subscription;
  private readonly experimentOfRun = new Map<string, string>();
  /** Open subscriptions: with none, events are not decoded (every metric batch passes here). */
  private listeners = 0;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    private readonly runs: RunsRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    this.subscription = await this.bus.subscribe(
      // Its own group per process: each replica must see every event for its own subscribers.
      { groupId: `graphql-live-${hostname()}-${process.pid}-${randomUUID()}`, topics: [topicOf(trackingEvents.context)] },
      (record) => this.republish(record),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
  }

  /** One topic's events for a subscription; the feed republishes while at least one is open. */
  listen<K extends 'metrics' | 'runChanges'>(topic: K): AsyncIterableIterator<LiveTopics[K]> {
    const events = this.pubsub.asyncIterableIterator<LiveTopics[K]>(topic);
    this.listeners++;
    let open = true;
    const close = () => {
      if (open) this.listeners--;
      open = false;
    };
    return {
      next: () => events.next(),
      return: () => (close(), events.return!()),
      throw: (error?: unknown) => (close(), events.throw!(error)),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  get listening(): number {
    return this.listeners;
  }

  private async republish(record: DeliveredRecord): Promise<void> {
    if (this.listeners === 0 || !trackingEvents.handles(record.headers?.['event-type'] ?? '')) return;
    const { workspaceId, event } = fromBusRecord(record, trackingEvents);
    switch (event.type) {
      case 'MetricsLogged': {
        const scope = await this.scopeOf(workspaceId, event.data.runId);
        if (scope) await this.pubsub.publish('metrics', { ...scope, metrics: event.data.metrics });
        return;
      }
      case 'RunCreated':
        this.remember(`${workspaceId}/${event.data.runId}`, event.data.experimentId);
        return this.publishChange(workspaceId, event.data.runId, event.type, { status: 'RUNNING', lifecycleStage: 'active' });
      case 'RunUpdated':
        if (!event.data.status && event.data.endTime === undefined) return;
        return this.publishChange(workspaceId, event.data.runId, event.type, { status: event.data.status || null, endTime: event.data.endTime ?? null });
      case 'RunDeleted':
        return this.publishChange(workspaceId, event.data.runId, event.type, { lifecycleStage: 'deleted' });
      case 'RunRestored':
        return this.publishChange(workspaceId, event.data.runId, event.type, { lifecycleStage: 'active' });
      default:
        return;
    }
  }

  private async publishChange(workspaceId: string, runId: string, change: string, fields: Partial<LiveRunChange>): Promise<void> {
    const scope = await this.scopeOf(workspaceId, runId);
    if (scope) await this.pubsub.publish('runChanges', { status: null, endTime: null, lifecycleStage: null, ...fields, ...scope, change });
  }

  private async scopeOf(workspaceId: string, runId: string): Promise<LiveEventScope | null> {
    const id = `${workspaceId}/${runId}`;
    let experimentId = this.experimentOfRun.get(id);
    if (experimentId === undefined) {
      experimentId = (await this.runs.get(workspaceId, runId))?.info.experimentId;
      if (experimentId === undefined) return null;
      this.remember(id, experimentId);
    }
    return { workspaceId, runId, experimentId };
  }

  private remember(id: string, experimentId: string): void {
    if (this.experimentOfRun.size >= rememberedRuns) this.experimentOfRun.delete(this.experimentOfRun.keys().next().value!);
    this.experimentOfRun.set(id, experimentId);
  }
}
