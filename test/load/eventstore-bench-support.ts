import { Envelope } from '@chronicle/contracts';
import type { BusRecord, EventBus, RecordHandler, SubscribeOptions, Subscription } from '@chronicle/messaging';
import { Presets, SingleBar } from 'cli-progress';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A growable list of millisecond samples with the percentiles the tables print. */
export class Samples {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }

  get count(): number {
    return this.length;
  }

  summary(): { p50: number; p99: number; max: number } {
    if (this.length === 0) return { p50: NaN, p99: NaN, max: NaN };
    const sorted = this.values.slice(0, this.length).sort();
    const at = (q: number) => sorted[Math.min(this.length - 1, Math.ceil(q * this.length) - 1)];
    return { p50: at(0.5), p99: at(0.99), max: sorted[this.length - 1] };
  }
}

/** A progress bar on stderr, so stdout keeps only the result table; without a TTY (CI) a line every 5 s. */
export function progressBar(label: string, total: number, unit: string): SingleBar {
  const bar = new SingleBar(
    { format: `${label.padEnd(34)} [{bar}] {percentage}% | {value}/{total} ${unit} | {detail}`, hideCursor: true, clearOnComplete: false, noTTYOutput: true, notTTYSchedule: 5_000 },
    Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return bar;
}

/**
 * An event bus that times each publish of the wrapped bus, so the relay's share of the lag
 * (commit → broker ack) can be told from the consumer's (ack → handler). Records are decoded
 * only in `published()`, after the run, so the measuring costs the relay's event loop nothing.
 */
export class TimedEventBus implements EventBus {
  readonly publishMs = new Samples();
  readonly batchSizes = new Samples();
  private readonly batches: { started: number; acked: number; values: Uint8Array[] }[] = [];

  constructor(private readonly inner: EventBus) {}

  ensureTopics(topics: string[], partitions: number): Promise<void> {
    return this.inner.ensureTopics(topics, partitions);
  }

  async publish(records: BusRecord[]): Promise<void> {
    const started = Date.now();
    await this.inner.publish(records);
    const acked = Date.now();
    this.publishMs.add(acked - started);
    this.batchSizes.add(records.length);
    this.batches.push({ started, acked, values: records.map((record) => record.value) });
  }

  /** Per position, when the relay first handed it to the bus and when the broker acknowledged it. */
  published(): Map<number, { started: number; acked: number }> {
    const times = new Map<number, { started: number; acked: number }>();
    for (const { started, acked, values } of this.batches) {
      for (const value of values) {
        const { position } = Envelope.decode(value);
        if (!times.has(position)) times.set(position, { started, acked });
      }
    }
    return times;
  }

  subscribe(options: SubscribeOptions, handler: RecordHandler): Promise<Subscription> {
    return this.inner.subscribe(options, handler);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}

export function round(value: number, digits = 1): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function isRow(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Prints a bench's results: rows (name → object) as tables, one per set of columns, so append
 * and lag rows do not share a table full of blanks; anything else as one name → value table.
 */
export function printResults(title: string, results: Record<string, unknown>): void {
  console.log(`\n${title}`);
  const entries = Object.entries(results);
  if (entries.length === 0 || !entries.every(([, value]) => isRow(value))) {
    console.table(results);
    return;
  }
  const groups = new Map<string, Record<string, unknown>>();
  for (const [name, row] of entries as [string, Record<string, unknown>][]) {
    const columns = Object.keys(row).join('\u0000');
    groups.set(columns, { ...groups.get(columns), [name]: row });
  }
  for (const group of groups.values()) console.table(group);
}
