import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { TrackingEvent } from '../tracking-event';
import { type LoggedModelCommand, type LoggedModelState, loggedModelDecider, loggedModelStream } from './logged-model.decider';

const given = (events: TrackingEvent[]) => {
  const state = events.reduce(loggedModelDecider.evolve, loggedModelDecider.initialState);
  return {
    state,
    when: (command: LoggedModelCommand) => ({
      then: (expected: TrackingEvent[]) => expect(loggedModelDecider.decide(command, state)).toEqual(expected),
      thenThrows: (errorClass: new (message: string) => Error, message: string) => {
        let caught: unknown;
        try {
          loggedModelDecider.decide(command, state);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(errorClass);
        expect((caught as Error).message).toBe(message);
      },
    }),
  };
};

const modelId = 'm-1';
const ev = (type: string, data: object) => ({ type, data: { modelId, ...data } }) as TrackingEvent;
const createdData = {
  experimentId: '1', name: 'my_model-v2', modelType: 'agent', sourceRunId: 'r1', artifactUri: 's3://a/m-1', creationTime: 10,
  params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'owner', value: 'me' }],
};
const created = ev('LoggedModelCreated', createdData);
const deleted = ev('LoggedModelDeleted', { time: 20 });
const tagsSet = (...keys: string[]) => ev('LoggedModelTagsSet', { tags: keys.map((key) => ({ key, value: 'v' })), time: 5 });
const tagDeleted = (key: string) => ev('LoggedModelTagDeleted', { key, time: 6 });

const create = (over: Partial<Extract<LoggedModelCommand, { type: 'CreateLoggedModel' }>> = {}): LoggedModelCommand => ({
  type: 'CreateLoggedModel', modelId, experimentId: '1', experimentActive: true, name: 'my_model-v2', modelType: 'agent', sourceRunId: 'r1',
  artifactUri: 's3://a/m-1', time: 10, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'owner', value: 'me' }], ...over,
});
const notFound = `Logged model with ID '${modelId}' not found.`;

const others: LoggedModelCommand[] = [
  { type: 'FinalizeLoggedModel', modelId, status: 'LOGGED_MODEL_READY', time: 1 },
  { type: 'DeleteLoggedModel', modelId, time: 1 },
  { type: 'SetLoggedModelTags', modelId, tags: [{ key: 'k', value: 'v' }], time: 1 },
  { type: 'DeleteLoggedModelTag', modelId, key: 'owner', time: 1 },
  { type: 'LogLoggedModelParams', modelId, params: [{ key: 'p', value: '1' }], time: 1 },
];

describe('loggedModelDecider', () => {
  it('names its stream', () => expect(loggedModelStream('m')).toBe('logged-model-m'));

  describe('CreateLoggedModel', () => {
    it('creates', () => given([]).when(create()).then([created]));
    it('rejects creating twice', () => given([created]).when(create()).thenThrows(InvalidArgument, `Logged model with id=${modelId} already exists`));
    it('rejects a model in a deleted experiment', () =>
      given([]).when(create({ experimentActive: false })).thenThrows(InvalidArgument, "The experiment 1 must be in the 'active' state. Current state is deleted."));
    it.each(['a/b', 'a:b', 'a.b', 'a%b', 'a"b', "a'b"])('rejects the forbidden name %j', (name) =>
      given([]).when(create({ name })).thenThrows(InvalidArgument, `Invalid model name '${name}'. Names cannot contain any of the characters / : . % " '`));
    it('accepts a name with spaces, dashes and underscores', () => expect(() => loggedModelDecider.decide(create({ name: 'my model_-1' }), loggedModelDecider.initialState)).not.toThrow());
    it('truncates param values and validates keys', () => {
      const [event] = loggedModelDecider.decide(create({ params: [{ key: 'p', value: 'x'.repeat(6001) }] }), loggedModelDecider.initialState);
      expect((event.data as { params: unknown }).params).toEqual([{ key: 'p', value: 'x'.repeat(6000) }]);
      given([]).when(create({ tags: [{ key: '..x', value: 'v' }] })).thenThrows(InvalidArgument, "Invalid tag name: '..x'. Names cannot be a path that does not normalise to itself.");
    });
  });

  describe('on an unknown or deleted model', () => {
    it.each(others)('$type on an unknown model is NotFound', (command) => given([]).when(command).thenThrows(NotFound, notFound));
    it.each(others)('$type on a deleted model is NotFound', (command) => given([created, deleted]).when(command).thenThrows(NotFound, notFound));
  });

  it('finalizes', () =>
    given([created]).when({ type: 'FinalizeLoggedModel', modelId, status: 'LOGGED_MODEL_UPLOAD_FAILED', time: 3 }).then([
      ev('LoggedModelFinalized', { status: 'LOGGED_MODEL_UPLOAD_FAILED', time: 3 }),
    ]));
  it('deletes', () => given([created]).when({ type: 'DeleteLoggedModel', modelId, time: 20 }).then([deleted]));

  describe('tags', () => {
    it('sets tags, truncating values at 8000', () =>
      given([created]).when({ type: 'SetLoggedModelTags', modelId, tags: [{ key: 'k', value: 'x'.repeat(8001) }], time: 5 }).then([
        ev('LoggedModelTagsSet', { tags: [{ key: 'k', value: 'x'.repeat(8000) }], time: 5 }),
      ]));
    it('rejects an invalid tag key', () =>
      given([created]).when({ type: 'SetLoggedModelTags', modelId, tags: [{ key: 'a/../b', value: 'v' }], time: 5 }).thenThrows(
        InvalidArgument, "Invalid tag name: 'a/../b'. Names cannot be a path that does not normalise to itself.",
      ));
    it('deletes a tag given at creation', () =>
      given([created]).when({ type: 'DeleteLoggedModelTag', modelId, key: 'owner', time: 6 }).then([tagDeleted('owner')]));
    it('deletes a tag set later', () => given([created, tagsSet('k')]).when({ type: 'DeleteLoggedModelTag', modelId, key: 'k', time: 6 }).then([tagDeleted('k')]));
    it('rejects an unknown key with NotFound', () =>
      given([created]).when({ type: 'DeleteLoggedModelTag', modelId, key: 'nope', time: 6 }).thenThrows(NotFound, `No tag with key 'nope' found for model with ID '${modelId}'.`));
    it('rejects a key that was set then deleted', () =>
      given([created, tagsSet('k'), tagDeleted('k')]).when({ type: 'DeleteLoggedModelTag', modelId, key: 'k', time: 7 }).thenThrows(
        NotFound, `No tag with key 'k' found for model with ID '${modelId}'.`,
      ));
    it('folds tag keys without duplicates', () => {
      const state = given([created, tagsSet('k', 'owner'), tagsSet('k'), tagDeleted('owner')]).state as LoggedModelState & { exists: true };
      expect(state.tagKeys).toEqual(['k']);
    });
  });

  it('logs params, truncated at 6000', () =>
    given([created]).when({ type: 'LogLoggedModelParams', modelId, params: [{ key: 'p', value: 'x'.repeat(6001) }], time: 8 }).then([
      ev('LoggedModelParamsLogged', { params: [{ key: 'p', value: 'x'.repeat(6000) }], time: 8 }),
    ]));

  it('folds deletion', () => {
    expect(given([created]).state).toMatchObject({ exists: true, deleted: false, experimentId: '1' });
    expect(given([created, deleted]).state).toMatchObject({ deleted: true });
  });
  it('ignores events before creation', () => expect(given([deleted, tagsSet('k')]).state).toEqual({ exists: false }));
});
