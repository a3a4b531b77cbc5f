import { identityEvents, type IdentityEvent } from '@chronicle/contracts';

/**
 * The published copy of an identity event: password hashes stay in identity's own log (its read
 * models are rebuilt from it) and never reach Kafka, the audit trail or any other consumer.
 */
export function withoutPasswordHash(eventType: string, payload: Uint8Array): Uint8Array {
  const event = identityEvents.decode(eventType, payload);
  if (event.type !== 'UserCreated' && event.type !== 'UserPasswordChanged') return payload;
  return identityEvents.encode({ ...event, data: { ...event.data, passwordHash: '' } } as IdentityEvent).payload;
}
