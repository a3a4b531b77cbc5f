import { InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { LifecycleStage, Tag, TrackingEvent } from '../tracking-event';
import { validateExperimentName, validateExperimentTag } from '../tracking.rules';

export type ExperimentState =
  | { exists: false }
  | { exists: true; experimentId: string; name: string; lifecycle: LifecycleStage; tagKeys: string[] };

export type ExperimentCommand =
  | { type: 'CreateExperiment'; experimentId: string; name: string; artifactLocation: string; time: number; tags: Tag[] }
  | { type: 'RenameExperiment'; experimentId: string; name: string; time: number }
  | { type: 'DeleteExperiment'; experimentId: string; time: number }
  | { type: 'RestoreExperiment'; experimentId: string; time: number }
  | { type: 'SetExperimentTag'; experimentId: string; tag: Tag; time: number }
  | { type: 'DeleteExperimentTag'; experimentId: string; key: string; time: number };

export const experimentStream = (experimentId: string) => `experiment-${experimentId}`;

function decide(command: ExperimentCommand, state: ExperimentState): TrackingEvent[] {
  if (command.type === 'CreateExperiment') {
    if (state.exists) throw new InvalidArgument(`Experiment with id=${command.experimentId} already exists`);
    validateExperimentName(command.name);
    command.tags.forEach(validateExperimentTag);
    const { experimentId, name, artifactLocation, time, tags } = command;
    return [{ type: 'ExperimentCreated', data: { experimentId, name, artifactLocation, creationTime: time, tags } }];
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

function evolve(state: ExperimentState, event: TrackingEvent): ExperimentState {
  if (event.type === 'ExperimentCreated') {
    const { experimentId, name, tags } = event.data;
    return { exists: true, experimentId, name, lifecycle: 'active', tagKeys: tags.map((t) => t.key) };
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
    default:
      return state;
  }
}

export const experimentDecider: Decider<ExperimentCommand, TrackingEvent, ExperimentState> = {
  initialState: { exists: false },
  decide,
  evolve,
};
