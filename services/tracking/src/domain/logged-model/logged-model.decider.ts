import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { Param, Tag, TrackingEvent } from '../tracking-event';
import { normaliseParam, normaliseRunTag } from '../tracking.rules';

export const loggedModelStatuses = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'] as const;
export type LoggedModelStatus = (typeof loggedModelStatuses)[number];

export type LoggedModelState =
  | { exists: false }
  | { exists: true; modelId: string; experimentId: string; deleted: boolean; tagKeys: string[] };

export type LoggedModelCommand =
  | {
      type: 'CreateLoggedModel';
      modelId: string;
      experimentId: string;
      experimentActive: boolean;
      name: string;
      modelType: string;
      sourceRunId: string;
      artifactUri: string;
      time: number;
      params: Param[];
      tags: Tag[];
    }
  | { type: 'FinalizeLoggedModel'; modelId: string; status: LoggedModelStatus; time: number }
  | { type: 'DeleteLoggedModel'; modelId: string; time: number }
  | { type: 'SetLoggedModelTags'; modelId: string; tags: Tag[]; time: number }
  | { type: 'DeleteLoggedModelTag'; modelId: string; key: string; time: number }
  | { type: 'LogLoggedModelParams'; modelId: string; params: Param[]; time: number };

export const loggedModelStream = (modelId: string) => `logged-model-${modelId}`;

// MLflow rejects these characters in logged model names.
const forbiddenNameChars = /[/:.%"']/;

function decide(command: LoggedModelCommand, state: LoggedModelState): TrackingEvent[] {
  const { modelId, time } = command;
  if (command.type === 'CreateLoggedModel') {
    if (state.exists) throw new InvalidArgument(`Logged model with id=${modelId} already exists`);
    if (!command.experimentActive) {
      throw new InvalidArgument(`The experiment ${command.experimentId} must be in the 'active' state. Current state is deleted.`);
    }
    if (forbiddenNameChars.test(command.name)) {
      throw new InvalidArgument(`Invalid model name '${command.name}'. Names cannot contain any of the characters / : . % " '`);
    }
    const { experimentId, name, modelType, sourceRunId, artifactUri } = command;
    const params = command.params.map(normaliseParam);
    const tags = command.tags.map(normaliseRunTag);
    return [
      { type: 'LoggedModelCreated', data: { modelId, experimentId, name, modelType, sourceRunId, artifactUri, creationTime: time, params, tags } },
    ];
  }
  if (!state.exists || state.deleted) throw new NotFound(`Logged model with ID '${modelId}' not found.`);
  switch (command.type) {
    case 'FinalizeLoggedModel':
      return [{ type: 'LoggedModelFinalized', data: { modelId, status: command.status, time } }];
    case 'DeleteLoggedModel':
      return [{ type: 'LoggedModelDeleted', data: { modelId, time } }];
    case 'SetLoggedModelTags':
      return [{ type: 'LoggedModelTagsSet', data: { modelId, tags: command.tags.map(normaliseRunTag), time } }];
    case 'DeleteLoggedModelTag':
      if (!state.tagKeys.includes(command.key)) throw new NotFound(`No tag with key '${command.key}' found for model with ID '${modelId}'.`);
      return [{ type: 'LoggedModelTagDeleted', data: { modelId, key: command.key, time } }];
    case 'LogLoggedModelParams':
      return [{ type: 'LoggedModelParamsLogged', data: { modelId, params: command.params.map(normaliseParam), time } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function evolve(state: LoggedModelState, event: TrackingEvent): LoggedModelState {
  if (event.type === 'LoggedModelCreated') {
    const { modelId, experimentId, tags } = event.data;
    return { exists: true, modelId, experimentId, deleted: false, tagKeys: tags.map((t) => t.key) };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'LoggedModelDeleted':
      return { ...state, deleted: true };
    case 'LoggedModelTagsSet':
      return { ...state, tagKeys: [...new Set([...state.tagKeys, ...event.data.tags.map((t) => t.key)])] };
    case 'LoggedModelTagDeleted':
      return { ...state, tagKeys: state.tagKeys.filter((k) => k !== event.data.key) };
    default:
      return state;
  }
}

export const loggedModelDecider: Decider<LoggedModelCommand, TrackingEvent, LoggedModelState> = {
  initialState: { exists: false },
  decide,
  evolve,
};
