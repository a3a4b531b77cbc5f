import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { Decider } from '@chronicle/eventstore';
import type { trackingV1 } from '@chronicle/contracts';
import type { LifecycleStage, MetricPoint, Param, RunStatus, Tag, TrackingEvent } from '../tracking-event';
import { normaliseParam, normaliseRunTag, validateBatchSize, validateMetrics } from '../tracking.rules';

export const runNameTag = 'mlflow.runName';

export type RunState =
  | { exists: false }
  | {
      exists: true;
      runId: string;
      experimentId: string;
      lifecycle: LifecycleStage;
      status: RunStatus;
      params: Record<string, string>;
      tagKeys: string[];
    };

/** Run commands carry the experiment's lifecycle, which the handler reads from its stream. */
type OnRun<T> = T & { runId: string; experimentActive: boolean };

export type RunCommand =
  | OnRun<{ type: 'CreateRun'; experimentId: string; runName: string; userId: string; startTime: number; artifactUri: string; tags: Tag[] }>
  | OnRun<{ type: 'UpdateRun'; status?: RunStatus; endTime?: number; runName?: string }>
  | OnRun<{ type: 'DeleteRun'; time: number }>
  | OnRun<{ type: 'RestoreRun'; time: number }>
  | OnRun<{ type: 'LogBatch'; metrics: MetricPoint[]; params: Param[]; tags: Tag[] }>
  | OnRun<{ type: 'DeleteRunTag'; key: string }>
  | OnRun<{ type: 'LogInputs'; datasets: trackingV1.DatasetInput[]; modelIds: string[] }>
  | OnRun<{ type: 'LogOutputs'; models: trackingV1.ModelOutput[] }>
  | OnRun<{ type: 'LogLegacyModel'; modelJson: string }>;

export const runStream = (runId: string) => `run-${runId}`;

function decide(command: RunCommand, state: RunState): TrackingEvent[] {
  const { runId } = command;
  if (command.type === 'CreateRun') {
    if (state.exists) throw new InvalidArgument(`Run with id=${runId} already exists`);
    if (!command.experimentActive) {
      throw new InvalidArgument(`The experiment ${command.experimentId} must be in the 'active' state. Current state is deleted.`);
    }
    const tags = command.tags.map(normaliseRunTag);
    const named = tags.find((t) => t.key === runNameTag);
    if (named && command.runName && named.value !== command.runName) {
      throw new InvalidArgument(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${command.runName}', mlflow.runName='${named.value}').`,
      );
    }
    const runName = command.runName || named?.value || '';
    const allTags = named ? tags : [...tags, { key: runNameTag, value: runName }];
    const { experimentId, userId, startTime, artifactUri } = command;
    return [{ type: 'RunCreated', data: { runId, experimentId, runName, userId, startTime, artifactUri, tags: allTags } }];
  }
  if (!state.exists) throw new NotFound(`Run with id=${runId} not found`);
  switch (command.type) {
    case 'DeleteRun':
      return [{ type: 'RunDeleted', data: { runId, time: command.time } }];
    case 'RestoreRun':
      return [{ type: 'RunRestored', data: { runId, time: command.time } }];
    case 'UpdateRun':
      assertActive(command, state);
      return [{ type: 'RunUpdated', data: { runId, status: command.status ?? '', endTime: command.endTime, runName: command.runName ?? '' } }];
    case 'LogBatch':
      assertActive(command, state);
      return logBatch(command, state);
    case 'DeleteRunTag':
      assertActive(command, state);
      if (!state.tagKeys.includes(command.key)) throw new NotFound(`No tag with name: ${command.key} in run with id ${runId}`);
      return [{ type: 'RunTagDeleted', data: { runId, key: command.key } }];
    case 'LogInputs':
      assertActive(command, state);
      return [{ type: 'RunInputsLogged', data: { runId, datasets: command.datasets, modelIds: command.modelIds } }];
    case 'LogOutputs':
      assertActive(command, state);
      return [{ type: 'RunOutputsLogged', data: { runId, models: command.models } }];
    case 'LogLegacyModel':
      assertActive(command, state);
      return [{ type: 'RunModelLogged', data: { runId, modelJson: command.modelJson } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function logBatch(command: Extract<RunCommand, { type: 'LogBatch' }>, state: RunState & { exists: true }): TrackingEvent[] {
  const { runId } = command;
  validateBatchSize(command.metrics.length, command.params.length, command.tags.length);
  validateMetrics(command.metrics);
  const params = command.params.map(normaliseParam);
  const tags = command.tags.map(normaliseRunTag);

  const fresh = new Map<string, string>();
  for (const { key, value } of params) {
    const logged = state.params[key] ?? fresh.get(key);
    if (logged === undefined) fresh.set(key, value);
    else if (logged !== value) {
      throw new InvalidArgument(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${logged}' for run ID='${runId}'. Attempted logging new value '${value}'.`,
      );
    }
  }
  const events: TrackingEvent[] = [];
  if (fresh.size > 0) events.push({ type: 'ParamsLogged', data: { runId, params: [...fresh].map(([key, value]) => ({ key, value })) } });
  if (command.metrics.length > 0) events.push({ type: 'MetricsLogged', data: { runId, metrics: command.metrics } });
  if (tags.length > 0) events.push({ type: 'RunTagsSet', data: { runId, tags } });
  return events;
}

function assertActive(command: { runId: string; experimentActive: boolean }, state: RunState & { exists: true }): void {
  if (state.lifecycle !== 'active' || !command.experimentActive) {
    throw new InvalidArgument(`The run ${command.runId} must be in the 'active' state. Current state is deleted.`);
  }
}

function evolve(state: RunState, event: TrackingEvent): RunState {
  if (event.type === 'RunCreated') {
    const { runId, experimentId, tags } = event.data;
    return { exists: true, runId, experimentId, lifecycle: 'active', status: 'RUNNING', params: {}, tagKeys: tags.map((t) => t.key) };
  }
  if (!state.exists) return state;
  switch (event.type) {
    case 'RunUpdated':
      return event.data.status ? { ...state, status: event.data.status as RunStatus } : state;
    case 'RunDeleted':
      return { ...state, lifecycle: 'deleted' };
    case 'RunRestored':
      return { ...state, lifecycle: 'active' };
    case 'ParamsLogged':
      return { ...state, params: { ...state.params, ...Object.fromEntries(event.data.params.map((p) => [p.key, p.value])) } };
    case 'RunTagsSet':
      return { ...state, tagKeys: [...new Set([...state.tagKeys, ...event.data.tags.map((t) => t.key)])] };
    case 'RunTagDeleted':
      return { ...state, tagKeys: state.tagKeys.filter((k) => k !== event.data.key) };
    default:
      return state;
  }
}

export const runDecider: Decider<RunCommand, TrackingEvent, RunState> = { initialState: { exists: false }, decide, evolve };
