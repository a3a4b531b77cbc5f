import { isResourceLevel, type ResourceLevel } from '@chronicle/authz';
import { AlreadyExists, InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { LifecycleStage, Tag, TrackingEvent } from '../tracking-event';
import { validateExperimentName, validateExperimentTag } from '../tracking.rules';

export type ExperimentState =
  | { exists: false }
  | {
      exists: true;
      experimentId: string;
      name: string;
      lifecycle: LifecycleStage;
      tagKeys: string[];
      /** Explicit per-principal levels; everyone else has their role's default. */
      permissions: Record<string, ResourceLevel>;
    };

export type ExperimentCommand =
  /** `owner` gets MANAGE on it, as MLflow gives its creator; the auto-created default experiment has none. */
  | { type: 'CreateExperiment'; experimentId: string; name: string; artifactLocation: string; time: number; tags: Tag[]; owner?: string }
  | { type: 'RenameExperiment'; experimentId: string; name: string; time: number }
  | { type: 'DeleteExperiment'; experimentId: string; time: number }
  | { type: 'RestoreExperiment'; experimentId: string; time: number }
  | { type: 'SetExperimentTag'; experimentId: string; tag: Tag; time: number }
  | { type: 'DeleteExperimentTag'; experimentId: string; key: string; time: number }
  | { type: 'CreateExperimentPermission'; experimentId: string; principalId: string; permission: string; time: number }
  | { type: 'UpdateExperimentPermission'; experimentId: string; principalId: string; permission: string; time: number }
  | { type: 'DeleteExperimentPermission'; experimentId: string; principalId: string; time: number };

export const experimentStream = (experimentId: string) => `experiment-${experimentId}`;

function decide(command: ExperimentCommand, state: ExperimentState): TrackingEvent[] {
  if (command.type === 'CreateExperiment') {
    if (state.exists) throw new InvalidArgument(`Experiment with id=${command.experimentId} already exists`);
    validateExperimentName(command.name);
    command.tags.forEach(validateExperimentTag);
    const { experimentId, name, artifactLocation, time, tags, owner } = command;
    const created: TrackingEvent = { type: 'ExperimentCreated', data: { experimentId, name, artifactLocation, creationTime: time, tags } };
    if (!owner) return [created];
    return [created, { type: 'ExperimentPermissionGranted', data: { experimentId, principalId: owner, permission: 'MANAGE', time } }];
  }
  if (!state.exists) throw new NotFound(`No Experiment with id=${command.experimentId} exists`);
  const { experimentId, time } = command;
  switch (command.type) {
    case 'RenameExperiment':
      validateExperimentName(command.name);
      if (state.lifecycle !== 'active') throw new InvalidState('Cannot rename a non-active experiment.');
      return [{ type: 'ExperimentRenamed', data: { experimentId, name: command.name, time } }];
    case 'DeleteExperiment':
      if (experimentId === '0') throw new InvalidArgument('Cannot delete the default experiment \'0\'. This is an internally reserved experiment.');
      if (state.lifecycle === 'deleted') throw new InvalidArgument(`Cannot delete an already deleted experiment: ${experimentId}`);
      return [{ type: 'ExperimentDeleted', data: { experimentId, time } }];
    case 'RestoreExperiment':
      if (state.lifecycle === 'active') throw new InvalidArgument(`Cannot restore an active experiment: ${experimentId}`);
      return [{ type: 'ExperimentRestored', data: { experimentId, time } }];
    case 'SetExperimentTag':
      validateExperimentTag(command.tag);
      assertActive(state);
      return [{ type: 'ExperimentTagSet', data: { experimentId, tag: command.tag, time } }];
    case 'DeleteExperimentTag':
      assertActive(state);
      if (!state.tagKeys.includes(command.key)) {
        throw new NotFound(`No tag with name: ${command.key} in experiment with id ${experimentId}`);
      }
      return [{ type: 'ExperimentTagDeleted', data: { experimentId, key: command.key, time } }];
    case 'CreateExperimentPermission':
      if (state.permissions[command.principalId]) {
        throw new AlreadyExists(`Experiment permission (experiment_id=${experimentId}, principal=${command.principalId}) already exists`);
      }
      return [{ type: 'ExperimentPermissionGranted', data: { experimentId, principalId: command.principalId, permission: level(command.permission), time } }];
    case 'UpdateExperimentPermission':
      assertGranted(state, command.principalId);
      return [{ type: 'ExperimentPermissionGranted', data: { experimentId, principalId: command.principalId, permission: level(command.permission), time } }];
    case 'DeleteExperimentPermission':
      assertGranted(state, command.principalId);
      return [{ type: 'ExperimentPermissionRevoked', data: { experimentId, principalId: command.principalId, time } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function assertActive(state: ExperimentState & { exists: true }): void {
  if (state.lifecycle !== 'active') {
    throw new InvalidArgument(`The experiment ${state.experimentId} must be in the 'active' state. Current state is ${state.lifecycle}.`);
  }
}

function level(permission: string): ResourceLevel {
  if (!isResourceLevel(permission)) {
    throw new InvalidArgument(`Invalid permission '${permission}'. Valid permissions are: READ, EDIT, MANAGE, NO_PERMISSIONS`);
  }
  return permission;
}

function assertGranted(state: ExperimentState & { exists: true }, principalId: string): void {
  if (!state.permissions[principalId]) {
    throw new NotFound(`Experiment permission with experiment_id=${state.experimentId} and principal=${principalId} not found`);
  }
}

function evolve(state: ExperimentState, event: TrackingEvent): ExperimentState {
  if (event.type === 'ExperimentCreated') {
    const { experimentId, name, tags } = event.data;
    return { exists: true, experimentId, name, lifecycle: 'active', tagKeys: tags.map((t) => t.key), permissions: {} };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'ExperimentRenamed':
      return { ...state, name: event.data.name };
    case 'ExperimentDeleted':
      return { ...state, lifecycle: 'deleted' };
    case 'ExperimentRestored':
      return { ...state, lifecycle: 'active' };
    case 'ExperimentTagSet':
      return { ...state, tagKeys: [...new Set([...state.tagKeys, event.data.tag?.key ?? ''])] };
    case 'ExperimentTagDeleted':
      return { ...state, tagKeys: state.tagKeys.filter((k) => k !== event.data.key) };
    case 'ExperimentPermissionGranted':
      return { ...state, permissions: { ...state.permissions, [event.data.principalId]: event.data.permission as ResourceLevel } };
    case 'ExperimentPermissionRevoked': {
      const { [event.data.principalId]: _revoked, ...permissions } = state.permissions;
      return { ...state, permissions };
    }
    default:
      return state;
  }
}

export const experimentDecider: Decider<ExperimentCommand, TrackingEvent, ExperimentState> = {
  initialState: { exists: false },
  decide,
  evolve,
};
