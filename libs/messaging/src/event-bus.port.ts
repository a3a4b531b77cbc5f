/** One record on the bus. The key decides the partition, so records with one key keep their order. */
export interface BusRecord {
  topic: string;
  key: string;
  value: Uint8Array;
  headers?: Record<string, string>;
}

export interface DeliveredRecord extends BusRecord {
  partition: number;
  offset: string;
}

export interface SubscribeOptions {
  /** Consumers sharing a group id share the work; each group sees every record. */
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts: the oldest record, or (default) the next one published. */
  fromBeginning?: boolean;
}

export interface Subscription {
  /** Stops delivery; resolves after the handler call in flight, if any, has finished. */
  close(): Promise<void>;
}

export type RecordHandler = (record: DeliveredRecord) => Promise<void>;

/**
 * The event bus port. Delivery is at least once and in order per key; a handler that throws
 * gets the same record again, so handlers must be idempotent.
 */
export interface EventBus {
  /**
   * Creates the topics that do not exist yet, with this many partitions. Idempotent; an existing
   * topic keeps its partitions (changing them would move keys between partitions).
   * Topics are never created implicitly: publish and subscribe need them to exist.
   */
  ensureTopics(topics: string[], partitions: number): Promise<void>;
  /** Resolves once every record is durably acknowledged by the bus. */
  publish(records: BusRecord[]): Promise<void>;
  /** Resolves once the consumer has joined its group and knows where to start reading. */
  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription>;
  close(): Promise<void>;
}
