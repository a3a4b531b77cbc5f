import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { MetricPoint, TrackingEvent } from '../tracking-event';
import { type RunCommand, type RunState, runDecider, runNameTag, runStream } from './run.decider';

const given = (events: TrackingEvent[]) => {
  const state = events.reduce(runDecider.evolve, runDecider.initialState);
  return {
    state,
    when: (command: RunCommand) => ({
      then: (expected: TrackingEvent[]) => expect(runDecider.decide(command, state)).toEqual(expected),
      thenThrows: (errorClass: new (message: string) => Error, message: string) => {
        let caught: unknown;
        try {
          runDecider.decide(command, state);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(errorClass);
        expect((caught as Error).message).toBe(message);
      },
    }),
  };
};

const runId = 'r1';
const ev = (type: string, data: object) => ({ type, data: { runId, ...data } }) as TrackingEvent;
const created = ev('RunCreated', {
  experimentId: '1', runName: 'bold-fox-1', userId: 'u', startTime: 10, artifactUri: 's3://a/r1', tags: [{ key: runNameTag, value: 'bold-fox-1' }],
});
const deleted = ev('RunDeleted', { time: 20 });
const restored = ev('RunRestored', { time: 30 });
const paramsLogged = (...params: [string, string][]) => ev('ParamsLogged', { params: params.map(([key, value]) => ({ key, value })) });
const tagsSet = (...keys: string[]) => ev('RunTagsSet', { tags: keys.map((key) => ({ key, value: 'v' })) });
const tagDeleted = (key: string) => ev('RunTagDeleted', { key });

const create = (over: Partial<Extract<RunCommand, { type: 'CreateRun' }>> = {}): RunCommand => ({
  type: 'CreateRun', runId, experimentActive: true, experimentId: '1', runName: 'bold-fox-1', userId: 'u', startTime: 10, artifactUri: 's3://a/r1', tags: [], ...over,
});
const batch = (over: Partial<Extract<RunCommand, { type: 'LogBatch' }>> = {}): RunCommand => ({
  type: 'LogBatch', runId, experimentActive: true, metrics: [], params: [], tags: [], ...over,
});
const mustBeActive = `The run ${runId} must be in the 'active' state. Current state is deleted.`;

const writes: RunCommand[] = [
  { type: 'UpdateRun', runId, experimentActive: true, status: 'FINISHED', endTime: 5 },
  batch({ params: [{ key: 'p', value: '1' }] }),
  { type: 'DeleteRunTag', runId, experimentActive: true, key: runNameTag },
  { type: 'LogInputs', runId, experimentActive: true, datasets: [], modelIds: ['m1'] },
  { type: 'LogOutputs', runId, experimentActive: true, models: [] },
  { type: 'LogLegacyModel', runId, experimentActive: true, modelJson: '{}' },
];

describe('runDecider', () => {
  it('names its stream', () => expect(runStream('x')).toBe('run-x'));

  describe('CreateRun', () => {
    it('creates and auto-tags mlflow.runName from run_name', () => given([]).when(create()).then([created]));
    it('takes the name from the mlflow.runName tag when run_name is empty', () =>
      given([]).when(create({ runName: '', tags: [{ key: runNameTag, value: 'tagged' }] })).then([
        ev('RunCreated', { experimentId: '1', runName: 'tagged', userId: 'u', startTime: 10, artifactUri: 's3://a/r1', tags: [{ key: runNameTag, value: 'tagged' }] }),
      ]));
    it('accepts run_name and an equal mlflow.runName tag without a second tag', () =>
      given([]).when(create({ tags: [{ key: runNameTag, value: 'bold-fox-1' }] })).then([created]));
    it('rejects run_name and a different mlflow.runName tag', () =>
      given([]).when(create({ runName: 'a', tags: [{ key: runNameTag, value: 'b' }] })).thenThrows(
        InvalidArgument,
        "Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='a', mlflow.runName='b').",
      ));
    it('keeps other tags, truncated at 8000', () => {
      const [event] = runDecider.decide(create({ tags: [{ key: 'note', value: 'x'.repeat(8001) }] }), runDecider.initialState);
      expect((event.data as { tags: { key: string; value: string }[] }).tags).toEqual([
        { key: 'note', value: 'x'.repeat(8000) },
        { key: runNameTag, value: 'bold-fox-1' },
      ]);
    });
    it('rejects an invalid tag key', () =>
      given([]).when(create({ tags: [{ key: '/x', value: 'v' }] })).thenThrows(InvalidArgument, "Invalid tag name: '/x'. Names cannot be a path that does not normalise to itself."));
    it('rejects creating twice', () => given([created]).when(create()).thenThrows(InvalidArgument, `Run with id=${runId} already exists`));
    it('rejects a run in a deleted experiment', () =>
      given([]).when(create({ experimentActive: false })).thenThrows(InvalidArgument, "The experiment 1 must be in the 'active' state. Current state is deleted."));
  });

  describe('on an unknown stream', () => {
    it.each<RunCommand>([...writes, { type: 'DeleteRun', runId, experimentActive: true, time: 1 }, { type: 'RestoreRun', runId, experimentActive: true, time: 1 }])(
      '$type is NotFound',
      (command) => given([]).when(command).thenThrows(NotFound, `Run with id=${runId} not found`),
    );
  });

  describe('writes to a deleted run or a run in a deleted experiment', () => {
    it.each(writes)('$type on a deleted run is rejected', (command) => given([created, deleted]).when(command).thenThrows(InvalidArgument, mustBeActive));
    it.each(writes)('$type in a deleted experiment is rejected', (command) =>
      given([created]).when({ ...command, experimentActive: false }).thenThrows(InvalidArgument, mustBeActive));
    it('are allowed again after restore', () =>
      given([created, deleted, restored]).when(batch({ params: [{ key: 'p', value: '1' }] })).then([paramsLogged(['p', '1'])]));
  });

  describe('DeleteRun / RestoreRun', () => {
    it('deletes', () => given([created]).when({ type: 'DeleteRun', runId, experimentActive: true, time: 20 }).then([deleted]));
    it('restores', () => given([created, deleted]).when({ type: 'RestoreRun', runId, experimentActive: true, time: 30 }).then([restored]));
    it('folds the lifecycle', () => {
      expect(given([created, deleted]).state).toMatchObject({ lifecycle: 'deleted' });
      expect(given([created, deleted, restored]).state).toMatchObject({ lifecycle: 'active' });
    });
  });

  describe('UpdateRun', () => {
    it('updates status, end time and name', () =>
      given([created]).when({ type: 'UpdateRun', runId, experimentActive: true, status: 'FINISHED', endTime: 5, runName: 'n' }).then([
        ev('RunUpdated', { status: 'FINISHED', endTime: 5, runName: 'n' }),
      ]));
    it('defaults missing fields to empty', () =>
      given([created]).when({ type: 'UpdateRun', runId, experimentActive: true }).then([ev('RunUpdated', { status: '', endTime: undefined, runName: '' })]));
    it('folds the status, ignoring an empty one', () => {
      expect(given([created]).state).toMatchObject({ status: 'RUNNING' });
      expect(given([created, ev('RunUpdated', { status: 'KILLED', runName: '' })]).state).toMatchObject({ status: 'KILLED' });
      expect(given([created, ev('RunUpdated', { status: 'KILLED', runName: '' }), ev('RunUpdated', { status: '', runName: 'x' })]).state).toMatchObject({ status: 'KILLED' });
    });
  });

  describe('LogBatch', () => {
    const metric: MetricPoint = { key: 'loss', value: 0.1, timestamp: 1, step: 0, modelId: '', datasetName: '', datasetDigest: '' };
    it('emits params, metrics and tags in that order', () =>
      given([created]).when(batch({ metrics: [metric], params: [{ key: 'p', value: '1' }], tags: [{ key: 't', value: 'v' }] })).then([
        paramsLogged(['p', '1']),
        ev('MetricsLogged', { metrics: [metric] }),
        ev('RunTagsSet', { tags: [{ key: 't', value: 'v' }] }),
      ]));
    it('emits nothing for an empty batch', () => given([created]).when(batch()).then([]));
    it('accepts the same param value again and emits nothing new', () =>
      given([created, paramsLogged(['p', '1'])]).when(batch({ params: [{ key: 'p', value: '1' }] })).then([]));
    it('logs only the new params of a batch that repeats a logged one', () =>
      given([created, paramsLogged(['p', '1'])]).when(batch({ params: [{ key: 'p', value: '1' }, { key: 'q', value: '2' }] })).then([paramsLogged(['q', '2'])]));
    it('rejects a different value for a logged param', () =>
      given([created, paramsLogged(['p', '1'])]).when(batch({ params: [{ key: 'p', value: '2' }] })).thenThrows(
        InvalidArgument,
        `Changing param values is not allowed. Param with key='p' was already logged with value='1' for run ID='${runId}'. Attempted logging new value '2'.`,
      ));
    it('compares the truncated value, so a long value logged twice is not a change', () => {
      const long = 'v'.repeat(7000);
      given([created, paramsLogged(['p', long.slice(0, 6000)])]).when(batch({ params: [{ key: 'p', value: long }] })).then([]);
    });
    it('collapses a param repeated with the same value within one batch', () =>
      given([created]).when(batch({ params: [{ key: 'p', value: '1' }, { key: 'p', value: '1' }] })).then([paramsLogged(['p', '1'])]));
    it('rejects a param repeated with different values within one batch', () =>
      given([created]).when(batch({ params: [{ key: 'p', value: '1' }, { key: 'p', value: '2' }] })).thenThrows(
        InvalidArgument,
        `Changing param values is not allowed. Param with key='p' was already logged with value='1' for run ID='${runId}'. Attempted logging new value '2'.`,
      ));
    it('enforces the batch limits', () => {
      const params = Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' }));
      given([created]).when(batch({ params })).thenThrows(
        InvalidArgument,
        'A batch logging request can contain at most 100 params. Got 101 params. Please split up params across multiple requests and try again.',
      );
      const metrics = Array.from({ length: 1001 }, () => metric);
      given([created]).when(batch({ metrics })).thenThrows(
        InvalidArgument,
        'A batch logging request can contain at most 1000 metrics. Got 1001 metrics. Please split up metrics across multiple requests and try again.',
      );
    });
    it('validates metrics', () =>
      given([created]).when(batch({ metrics: [{ ...metric, timestamp: -1 }] })).thenThrows(
        InvalidArgument, "Got invalid timestamp -1 for metric 'loss'. Timestamp must be a non-negative long.",
      ));
    it('folds params and tags', () => {
      const state = given([created, paramsLogged(['p', '1']), paramsLogged(['q', '2']), tagsSet('a', 'a'), tagsSet('b')]).state as RunState & { exists: true };
      expect(state.params).toEqual({ p: '1', q: '2' });
      expect(state.tagKeys).toEqual([runNameTag, 'a', 'b']);
    });
  });

  describe('DeleteRunTag', () => {
    const del = (key: string): RunCommand => ({ type: 'DeleteRunTag', runId, experimentActive: true, key });
    it('deletes the auto-tagged run name', () => given([created]).when(del(runNameTag)).then([tagDeleted(runNameTag)]));
    it('deletes a tag set by a batch', () => given([created, tagsSet('t')]).when(del('t')).then([tagDeleted('t')]));
    it('rejects an unknown key with NotFound', () =>
      given([created]).when(del('nope')).thenThrows(NotFound, `No tag with name: nope in run with id ${runId}`));
    it('rejects a key that was set then deleted', () =>
      given([created, tagsSet('t'), tagDeleted('t')]).when(del('t')).thenThrows(NotFound, `No tag with name: t in run with id ${runId}`));
    it('accepts a key set again after deletion', () => given([created, tagsSet('t'), tagDeleted('t'), tagsSet('t')]).when(del('t')).then([tagDeleted('t')]));
  });

  describe('inputs, outputs, legacy model', () => {
    it('logs inputs', () =>
      given([created]).when({ type: 'LogInputs', runId, experimentActive: true, datasets: [], modelIds: ['m1'] }).then([ev('RunInputsLogged', { datasets: [], modelIds: ['m1'] })]));
    it('logs outputs', () =>
      given([created]).when({ type: 'LogOutputs', runId, experimentActive: true, models: [{ modelId: 'm1', step: 0 }] as never }).then([
        ev('RunOutputsLogged', { models: [{ modelId: 'm1', step: 0 }] }),
      ]));
    it('logs a legacy model', () =>
      given([created]).when({ type: 'LogLegacyModel', runId, experimentActive: true, modelJson: '{"a":1}' }).then([ev('RunModelLogged', { modelJson: '{"a":1}' })]));
  });

  it('ignores events before creation', () => expect(given([deleted, tagsSet('t')]).state).toEqual({ exists: false }));
});
