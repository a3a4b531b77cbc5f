import { AlreadyExists, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { IdentityEvent } from '../identity-event';
import { validateServiceAccountName } from '../identity.rules';

export type ServiceAccountState = { exists: false } | { exists: true; name: string };

export type ServiceAccountCommand =
  | { type: 'CreateServiceAccount'; name: string; description: string; createdBy: string; time: number }
  | { type: 'DeleteServiceAccount'; name: string; time: number };

/** One stream per service account, in the log of the workspace that owns it. */
export const serviceAccountStream = (name: string) => `service-account-${name}`;

function decide(command: ServiceAccountCommand, state: ServiceAccountState): IdentityEvent[] {
  const { name, time } = command;
  switch (command.type) {
    case 'CreateServiceAccount':
      validateServiceAccountName(name);
      if (state.exists) throw new AlreadyExists(`Service account '${name}' already exists.`);
      return [{ type: 'ServiceAccountCreated', data: { name, description: command.description, createdBy: command.createdBy, time } }];
    case 'DeleteServiceAccount':
      if (!state.exists) throw new NotFound(`Service account '${name}' does not exist.`);
      return [{ type: 'ServiceAccountDeleted', data: { name, time } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function evolve(state: ServiceAccountState, event: IdentityEvent): ServiceAccountState {
  switch (event.type) {
    case 'ServiceAccountCreated':
      return { exists: true, name: event.data.name };
    case 'ServiceAccountDeleted':
      return { exists: false };
    default:
      return state;
  }
}

export const serviceAccountDecider: Decider<ServiceAccountCommand, IdentityEvent, ServiceAccountState> = {
  initialState: { exists: false },
  decide,
  evolve,
};
