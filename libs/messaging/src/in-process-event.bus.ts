import { setTimeout as sleep } from 'node:timers/promises';
import type { BusRecord, DeliveredRecord, EventBus, RecordHandler, SubscribeOptions, Subscription } from './event-bus.port';

/** The subset of a pino logger the in-process adapters use. */
export interface WarnLogger {
  warn(details: object, message: string): void;
}

export interface InProcessEventBusOptions {
  /** First wait before a failed record is delivered again; it doubles up to maxRetryBackoffMs. */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  /**
   * How many records each partition keeps once every group has been handed them, for a group
   * that subscribes later from the beginning (Kafka's retention, by count).
   */
  retainedRecords?: number;
  logger?: WarnLogger;
}

/** One partition's records from offset `first` on; older ones were delivered and dropped. */
interface Partition {
  first: number;
  records: DeliveredRecord[];
}

interface Member {
  topics: ReadonlySet<string>;
  handler: RecordHandler;
  inFlight: Set<Promise<void>>;
}

interface Group {
  id: string;
  members: Member[];
  /** Next offset to deliver, per `topic/partition`; set when the group first subscribes to the topic. */
  offsets: Map<string, number>;
  /** Partitions that have a delivery loop running. */
  pumping: Set<string>;
}

/**
 * The embedded-mode event bus: topics are arrays of records split into partitions by key hash,
 * consumer groups keep an offset per partition and each partition is delivered by one loop at a
 * time, so a record is only handed on after the previous one of its partition succeeded.
 * Records every group has been handed are dropped beyond the newest `retainedRecords`, so a
 * server that relays its log here for months holds a bounded window of it, not all of it.
 * Nothing survives the process.
 */
export class InProcessEventBus implements EventBus {
  private readonly topics = new Map<string, Partition[]>();
  private readonly groups = new Map<string, Group>();
  private readonly shutdown = new AbortController();
  private readonly retryBackoffMs: number;
  private readonly maxRetryBackoffMs: number;
  private readonly retainedRecords: number;

  constructor(private readonly options: InProcessEventBusOptions = {}) {
    this.retryBackoffMs = options.retryBackoffMs ?? 50;
    this.maxRetryBackoffMs = options.maxRetryBackoffMs ?? 5000;
    this.retainedRecords = options.retainedRecords ?? 1000;
  }

  async ensureTopics(topics: string[], partitions: number): Promise<void> {
    this.assertOpen();
    if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`Invalid partition count ${partitions}`);
    for (const topic of topics) {
      if (!this.topics.has(topic)) this.topics.set(topic, Array.from({ length: partitions }, () => ({ first: 0, records: [] })));
    }
  }

  async publish(records: BusRecord[]): Promise<void> {
    this.assertOpen();
    // Check every topic first, so that a bad one publishes nothing.
    records.forEach((record) => this.log(record.topic));
    for (const record of records) {
      const log = this.log(record.topic);
      const partition = hashKey(record.key) % log.length;
      const { first, records: stored } = log[partition];
      stored.push({
        topic: record.topic,
        key: record.key,
        // Copied so that a caller reusing its buffer cannot change what was published.
        value: Uint8Array.from(record.value),
        headers: record.headers ? { ...record.headers } : undefined,
        partition,
        offset: String(first + stored.length),
      });
    }
    for (const topic of new Set(records.map((record) => record.topic))) {
      this.wakeTopic(topic);
      this.log(topic).forEach((_, partition) => this.trim(topic, partition));
    }
  }

  async subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    this.assertOpen();
    const logs = options.topics.map((topic) => this.log(topic));
    const group = this.group(options.groupId);
    options.topics.forEach((topic, index) => {
      logs[index].forEach(({ first, records }, partition) => {
        const key = partitionKey(topic, partition);
        if (!group.offsets.has(key)) group.offsets.set(key, options.fromBeginning ? first : first + records.length);
      });
    });
    const member: Member = { topics: new Set(options.topics), handler, inFlight: new Set() };
    group.members.push(member);
    this.wakeGroup(group);
    return { close: () => this.leave(group, member) };
  }

  async close(): Promise<void> {
    if (this.shutdown.signal.aborted) return;
    this.shutdown.abort();
    const members = [...this.groups.values()].flatMap((group) => group.members.map((member) => ({ group, member })));
    await Promise.all(members.map(({ group, member }) => this.leave(group, member)));
  }

  private async leave(group: Group, member: Member): Promise<void> {
    const index = group.members.indexOf(member);
    if (index >= 0) group.members.splice(index, 1);
    await Promise.allSettled(member.inFlight);
    // The partitions it owned move to the remaining members.
    this.wakeGroup(group);
  }

  private wakeTopic(topic: string): void {
    for (const group of this.groups.values()) {
      if (group.members.some((member) => member.topics.has(topic))) this.wakeGroup(group);
    }
  }

  private wakeGroup(group: Group): void {
    for (const key of group.offsets.keys()) {
      if (!group.pumping.has(key)) void this.pump(group, key);
    }
  }

  /** Delivers one partition to its current owner, in order, until it is caught up. */
  private async pump(group: Group, key: string): Promise<void> {
    group.pumping.add(key);
    const [topic, partition] = splitPartitionKey(key);
    const log = this.log(topic)[partition];
    let failures = 0;
    try {
      while (!this.shutdown.signal.aborted) {
        const offset = group.offsets.get(key) ?? 0;
        const owner = ownerOf(group, topic, partition);
        if (!owner || offset >= log.first + log.records.length) return;
        try {
          await deliver(owner, { ...log.records[offset - log.first] });
          group.offsets.set(key, offset + 1);
          this.trim(topic, partition);
          failures = 0;
        } catch (error) {
          failures += 1;
          const delay = Math.min(this.retryBackoffMs * 2 ** (failures - 1), this.maxRetryBackoffMs);
          this.options.logger?.warn({ err: error, groupId: group.id, topic, partition, offset, retryInMs: delay }, 'Event handler failed; the record will be delivered again');
          await sleep(delay, undefined, { signal: this.shutdown.signal }).catch(() => undefined);
        }
      }
    } finally {
      group.pumping.delete(key);
    }
  }

  /**
   * Drops the records every group with an offset in this partition has been handed, except the
   * newest `retainedRecords` of them. It waits until as many again can go, so that the array is
   * shifted once per that many records rather than once per record.
   */
  private trim(topic: string, partition: number): void {
    const log = this.log(topic)[partition];
    const key = partitionKey(topic, partition);
    let handedToAll = log.first + log.records.length;
    for (const group of this.groups.values()) handedToAll = Math.min(handedToAll, group.offsets.get(key) ?? handedToAll);
    const droppable = handedToAll - this.retainedRecords - log.first;
    if (droppable < Math.max(this.retainedRecords, 1)) return;
    log.records.splice(0, droppable);
    log.first += droppable;
  }

  private group(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = { id: groupId, members: [], offsets: new Map(), pumping: new Set() };
      this.groups.set(groupId, group);
    }
    return group;
  }

  private log(topic: string): Partition[] {
    const log = this.topics.get(topic);
    if (!log) throw new Error(`Unknown topic "${topic}": create it with ensureTopics first`);
    return log;
  }

  private assertOpen(): void {
    if (this.shutdown.signal.aborted) throw new Error('The event bus is closed');
  }
}

function deliver(member: Member, record: DeliveredRecord): Promise<void> {
  const delivery = member.handler(record);
  member.inFlight.add(delivery);
  const forget = () => member.inFlight.delete(delivery);
  delivery.then(forget, forget);
  return delivery;
}

/** Round robin over the members subscribed to the topic, in the order they joined. */
function ownerOf(group: Group, topic: string, partition: number): Member | undefined {
  const candidates = group.members.filter((member) => member.topics.has(topic));
  return candidates.length ? candidates[partition % candidates.length] : undefined;
}

function partitionKey(topic: string, partition: number): string {
  return `${partition}/${topic}`;
}

function splitPartitionKey(key: string): [string, number] {
  const slash = key.indexOf('/');
  return [key.slice(slash + 1), Number(key.slice(0, slash))];
}

/** FNV-1a over the key's UTF-8 bytes: stable, so a key always lands on the same partition. */
function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(key, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
