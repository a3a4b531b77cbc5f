import { AlreadyExists, InvalidArgument, NotFound } from '@chronicle/errors';
import type { IdentityEvent } from '../identity-event';
import { serviceAccountDecider, type ServiceAccountCommand } from './service-account.decider';

const given = (...events: IdentityEvent[]) => {
  const state = events.reduce(serviceAccountDecider.evolve, serviceAccountDecider.initialState);
  return (command: ServiceAccountCommand) => serviceAccountDecider.decide(command, state);
};
const created: IdentityEvent = { type: 'ServiceAccountCreated', data: { name: 'ci-bot', description: 'CI', createdBy: 'user:alice', time: 1 } };

describe('serviceAccountDecider', () => {
  it('creates and deletes a service account', () => {
    expect(given()({ type: 'CreateServiceAccount', name: 'ci-bot', description: 'CI', createdBy: 'user:alice', time: 1 })).toEqual([created]);
    expect(given(created)({ type: 'DeleteServiceAccount', name: 'ci-bot', time: 2 })).toEqual([
      { type: 'ServiceAccountDeleted', data: { name: 'ci-bot', time: 2 } },
    ]);
  });

  it('refuses a duplicate, a bad name and deleting a missing one', () => {
    expect(() => given(created)({ type: 'CreateServiceAccount', name: 'ci-bot', description: '', createdBy: 'user:a', time: 2 })).toThrow(AlreadyExists);
    expect(() => given()({ type: 'CreateServiceAccount', name: 'CI Bot', description: '', createdBy: 'user:a', time: 2 })).toThrow(InvalidArgument);
    expect(() => given()({ type: 'DeleteServiceAccount', name: 'ci-bot', time: 2 })).toThrow(NotFound);
  });
});
