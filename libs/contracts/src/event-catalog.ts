import type { BinaryReader, BinaryWriter } from '@bufbuild/protobuf/wire';

/** The encode/decode pair ts-proto generates for every message. */
export interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

type Codecs = Record<string, MessageCodec<unknown>>;
type Decoded<C> = C extends MessageCodec<infer T> ? T : never;

/** A discriminated union of one context's events: `{ type: 'RunCreated', data: RunCreated } | …`. */
export type EventOf<M extends Codecs> = { [K in keyof M & string]: { type: K; data: Decoded<M[K]> } }[keyof M & string];

/** Encodes and decodes one context's events for the log and the bus. */
export interface EventCodec<E> {
  readonly context: string;
  encode(event: E): { eventType: string; payload: Uint8Array };
  decode(eventType: string, payload: Uint8Array): E;
  /** The short type name (`RunCreated`) of a stored event type; '' for another context's. */
  typeOf(eventType: string): string;
}

/**
 * One bounded context's event messages, as defined once in proto/. Maps short type names
 * (used in code) to the fully qualified proto names (stored in the log and on Kafka).
 */
export class EventCatalog<M extends Codecs> implements EventCodec<EventOf<M>> {
  constructor(
    readonly context: string,
    private readonly protoPackage: string,
    private readonly codecs: M,
  ) {}

  qualifiedName(type: keyof M & string): string {
    return `${this.protoPackage}.${type}`;
  }

  encode(event: EventOf<M>): { eventType: string; payload: Uint8Array } {
    const codec = this.codecs[event.type] as MessageCodec<unknown>;
    return { eventType: this.qualifiedName(event.type), payload: codec.encode(event.data).finish() };
  }

  /** Decodes a stored event; throws on an event type this catalog does not know. */
  decode(eventType: string, payload: Uint8Array): EventOf<M> {
    const type = this.typeOf(eventType);
    const codec = this.codecs[type];
    if (!codec) throw new Error(`Unknown ${this.context} event type ${eventType}`);
    return { type, data: codec.decode(payload) } as EventOf<M>;
  }

  handles(eventType: string): boolean {
    return this.typeOf(eventType) in this.codecs;
  }

  typeOf(eventType: string): string {
    return eventType.startsWith(`${this.protoPackage}.`) ? eventType.slice(this.protoPackage.length + 1) : '';
  }
}
