import { identityEvents, type IdentityEvent } from '@chronicle/contracts';
import { withoutPasswordHash } from './password-redaction';

const published = (event: IdentityEvent) => {
  const { eventType, payload } = identityEvents.encode(event);
  return identityEvents.decode(eventType, withoutPasswordHash(eventType, payload));
};

describe('withoutPasswordHash', () => {
  it('drops the hash from user creation and password changes, and keeps the rest', () => {
    const created = { type: 'UserCreated', data: { username: 'ada', passwordHash: 'scrypt$secret', isAdmin: true, source: 'password', time: 7 } } as IdentityEvent;
    expect(published(created)).toEqual({ type: 'UserCreated', data: { username: 'ada', passwordHash: '', isAdmin: true, source: 'password', time: 7 } });
    const changed = { type: 'UserPasswordChanged', data: { username: 'ada', passwordHash: 'scrypt$other', time: 8 } } as IdentityEvent;
    expect(published(changed)).toEqual({ type: 'UserPasswordChanged', data: { username: 'ada', passwordHash: '', time: 8 } });
  });

  it('passes every other event through untouched', () => {
    const { eventType, payload } = identityEvents.encode({ type: 'UserDeleted', data: { username: 'ada', time: 9 } } as IdentityEvent);
    expect(withoutPasswordHash(eventType, payload)).toBe(payload);
  });
});
