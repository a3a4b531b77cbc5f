import { AlreadyExists, InvalidArgument, InvalidState, NotFound } from '@chronicle/errors';
import type { TrackingEvent } from '../tracking-event';
import { type ExperimentCommand, type ExperimentState, experimentDecider, experimentStream } from './experiment.decider';

const given = (events: TrackingEvent[]) => {
  const state = events.reduce(experimentDecider.evolve, experimentDecider.initialState);
  return {
    state,
    when: (command: ExperimentCommand) => ({
      then: (expected: TrackingEvent[]) => expect(experimentDecider.decide(command, state)).toEqual(expected),
      thenThrows: (errorClass: new (message: string) => Error, message: string) => {
        let caught: unknown;
        try {
          experimentDecider.decide(command, state);
        } catch (error) {
          caught = error;
        }
        expect(caught).toBeInstanceOf(errorClass);
        expect((caught as Error).message).toBe(message);
      },
    }),
  };
};

const id = '42';
const created: TrackingEvent = {
  type: 'ExperimentCreated',
  data: { experimentId: id, name: 'exp', artifactLocation: 's3://b/42', creationTime: 1, tags: [{ key: 'team', value: 'a' }] },
} as TrackingEvent;
const deleted = { type: 'ExperimentDeleted', data: { experimentId: id, time: 2 } } as TrackingEvent;
const restored = { type: 'ExperimentRestored', data: { experimentId: id, time: 3 } } as TrackingEvent;
const tagSet = (key: string, value = 'v') => ({ type: 'ExperimentTagSet', data: { experimentId: id, tag: { key, value }, time: 4 } }) as TrackingEvent;
const tagDeleted = (key: string) => ({ type: 'ExperimentTagDeleted', data: { experimentId: id, key, time: 5 } }) as TrackingEvent;
const mustBeActive = `The experiment ${id} must be in the 'active' state. Current state is deleted.`;

describe('experimentDecider', () => {
  it('names its stream', () => {
    expect(experimentStream('7')).toBe('experiment-7');
  });

  describe('CreateExperiment', () => {
    const create: ExperimentCommand = {
      type: 'CreateExperiment', experimentId: id, name: 'exp', artifactLocation: 's3://b/42', time: 1, tags: [{ key: 'team', value: 'a' }],
    };
    it('creates', () => given([]).when(create).then([created]));
    it('rejects creating twice', () => given([created]).when(create).thenThrows(InvalidArgument, `Experiment with id=${id} already exists`));
    it('validates the name', () =>
      given([]).when({ ...create, name: '' }).thenThrows(InvalidArgument, "Invalid experiment name: ''. Experiment name must be a non-empty string."));
    it('validates the tags', () =>
      given([]).when({ ...create, tags: [{ key: 'k', value: 'v'.repeat(5001) }] }).thenThrows(InvalidArgument, "'value' exceeds the maximum length of 5000 characters"));
  });

  describe('on an unknown stream', () => {
    it.each<ExperimentCommand>([
      { type: 'RenameExperiment', experimentId: id, name: 'x', time: 1 },
      { type: 'DeleteExperiment', experimentId: id, time: 1 },
      { type: 'RestoreExperiment', experimentId: id, time: 1 },
      { type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v' }, time: 1 },
      { type: 'DeleteExperimentTag', experimentId: id, key: 'k', time: 1 },
    ])('$type is NotFound', (command) => given([]).when(command).thenThrows(NotFound, `No Experiment with id=${id} exists`));
  });

  describe('RenameExperiment', () => {
    it('renames', () =>
      given([created]).when({ type: 'RenameExperiment', experimentId: id, name: 'new', time: 9 }).then([
        { type: 'ExperimentRenamed', data: { experimentId: id, name: 'new', time: 9 } } as TrackingEvent,
      ]));
    it('rejects renaming a deleted experiment with InvalidState', () =>
      given([created, deleted]).when({ type: 'RenameExperiment', experimentId: id, name: 'new', time: 9 }).thenThrows(InvalidState, 'Cannot rename a non-active experiment.'));
    it('validates the new name', () =>
      given([created]).when({ type: 'RenameExperiment', experimentId: id, name: 'n'.repeat(501), time: 9 }).thenThrows(InvalidArgument, 'Experiment name exceeds the maximum length of 500 characters'));
    it('folds the new name', () => {
      const { state } = given([created, { type: 'ExperimentRenamed', data: { experimentId: id, name: 'new', time: 9 } } as TrackingEvent]);
      expect(state).toMatchObject({ exists: true, name: 'new' });
    });
  });

  describe('DeleteExperiment / RestoreExperiment', () => {
    it('deletes', () => given([created]).when({ type: 'DeleteExperiment', experimentId: id, time: 2 }).then([deleted]));
    it('refuses to delete the default experiment "0"', () => {
      const zero = { ...created, data: { ...(created.data as object), experimentId: '0', name: 'Default' } } as TrackingEvent;
      given([zero]).when({ type: 'DeleteExperiment', experimentId: '0', time: 2 }).thenThrows(
        InvalidArgument, "Cannot delete the default experiment '0'. This is an internally reserved experiment.",
      );
    });
    it('refuses to delete twice', () =>
      given([created, deleted]).when({ type: 'DeleteExperiment', experimentId: id, time: 3 }).thenThrows(InvalidArgument, `Cannot delete an already deleted experiment: ${id}`));
    it('restores a deleted experiment', () => given([created, deleted]).when({ type: 'RestoreExperiment', experimentId: id, time: 3 }).then([restored]));
    it('refuses to restore an active experiment', () =>
      given([created]).when({ type: 'RestoreExperiment', experimentId: id, time: 3 }).thenThrows(InvalidArgument, `Cannot restore an active experiment: ${id}`));
    it('folds delete then restore back to active, so writes are allowed again', () => {
      expect(given([created, deleted]).state).toMatchObject({ lifecycle: 'deleted' });
      expect(given([created, deleted, restored]).state).toMatchObject({ lifecycle: 'active' });
      given([created, deleted, restored]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v' }, time: 4 }).then([tagSet('k')]);
    });
  });

  describe('SetExperimentTag', () => {
    it('sets a tag', () => given([created]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v' }, time: 4 }).then([tagSet('k')]));
    it('rejects a tag on a deleted experiment', () =>
      given([created, deleted]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v' }, time: 4 }).thenThrows(InvalidArgument, mustBeActive));
    it('accepts a 5000-character value and rejects 5001', () => {
      given([created]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v'.repeat(5000) }, time: 4 }).then([tagSet('k', 'v'.repeat(5000))]);
      given([created]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'k', value: 'v'.repeat(5001) }, time: 4 }).thenThrows(
        InvalidArgument, "'value' exceeds the maximum length of 5000 characters",
      );
    });
    it('rejects an invalid key', () =>
      given([created]).when({ type: 'SetExperimentTag', experimentId: id, tag: { key: 'a/../b', value: 'v' }, time: 4 }).thenThrows(
        InvalidArgument, "Invalid tag name: 'a/../b'. Names cannot be a path that does not normalise to itself.",
      ));
  });

  describe('DeleteExperimentTag', () => {
    it('deletes a tag given at creation', () =>
      given([created]).when({ type: 'DeleteExperimentTag', experimentId: id, key: 'team', time: 5 }).then([tagDeleted('team')]));
    it('deletes a tag set later', () =>
      given([created, tagSet('k')]).when({ type: 'DeleteExperimentTag', experimentId: id, key: 'k', time: 5 }).then([tagDeleted('k')]));
    it('rejects an unknown key with NotFound', () =>
      given([created]).when({ type: 'DeleteExperimentTag', experimentId: id, key: 'nope', time: 5 }).thenThrows(NotFound, `No tag with name: nope in experiment with id ${id}`));
    it('rejects a key that was set then deleted', () =>
      given([created, tagSet('k'), tagDeleted('k')]).when({ type: 'DeleteExperimentTag', experimentId: id, key: 'k', time: 6 }).thenThrows(
        NotFound, `No tag with name: k in experiment with id ${id}`,
      ));
    it('rejects on a deleted experiment', () =>
      given([created, deleted]).when({ type: 'DeleteExperimentTag', experimentId: id, key: 'team', time: 5 }).thenThrows(InvalidArgument, mustBeActive));
    it('folds tag keys without duplicates', () => {
      const state = given([created, tagSet('k'), tagSet('k'), tagSet('j'), tagDeleted('team')]).state as ExperimentState & { exists: true };
      expect(state.tagKeys).toEqual(['k', 'j']);
    });
  });

  it('ignores events before creation', () => {
    expect(given([deleted, tagSet('k')]).state).toEqual({ exists: false });
  });

  describe('permissions', () => {
    const granted = (principalId: string, permission: string) =>
      ({ type: 'ExperimentPermissionGranted', data: { experimentId: id, principalId, permission, time: 5 } }) as TrackingEvent;
    const grant = (type: 'CreateExperimentPermission' | 'UpdateExperimentPermission', permission = 'EDIT'): ExperimentCommand => ({
      type,
      experimentId: id,
      principalId: 'user:bob',
      permission,
      time: 5,
    });

    it('gives the creator MANAGE, and the auto-created default experiment nobody', () => {
      const create: ExperimentCommand = { type: 'CreateExperiment', experimentId: id, name: 'exp', artifactLocation: 's3://b/42', time: 1, tags: [], owner: 'user:ada' };
      const [, ownerGrant] = experimentDecider.decide(create, experimentDecider.initialState);
      expect(ownerGrant).toEqual({ type: 'ExperimentPermissionGranted', data: { experimentId: id, principalId: 'user:ada', permission: 'MANAGE', time: 1 } });
      expect(experimentDecider.decide({ ...create, owner: undefined }, experimentDecider.initialState)).toHaveLength(1);
    });
    it('grants a level once', () => given([created]).when(grant('CreateExperimentPermission')).then([granted('user:bob', 'EDIT')]));
    it('refuses to create a grant that exists', () =>
      given([created, granted('user:bob', 'READ')])
        .when(grant('CreateExperimentPermission'))
        .thenThrows(AlreadyExists, `Experiment permission (experiment_id=${id}, principal=user:bob) already exists`));
    it('updates an existing grant only', () => {
      given([created, granted('user:bob', 'READ')]).when(grant('UpdateExperimentPermission', 'MANAGE')).then([granted('user:bob', 'MANAGE')]);
      given([created]).when(grant('UpdateExperimentPermission')).thenThrows(NotFound, `Experiment permission with experiment_id=${id} and principal=user:bob not found`);
    });
    it('rejects an unknown level', () =>
      given([created])
        .when(grant('CreateExperimentPermission', 'OWNER'))
        .thenThrows(InvalidArgument, `Invalid permission 'OWNER'. Valid permissions are: READ, EDIT, MANAGE, NO_PERMISSIONS`));
    it('revokes, after which the grant is gone', () => {
      const revoked = { type: 'ExperimentPermissionRevoked', data: { experimentId: id, principalId: 'user:bob', time: 5 } } as TrackingEvent;
      const revoke: ExperimentCommand = { type: 'DeleteExperimentPermission', experimentId: id, principalId: 'user:bob', time: 5 };
      given([created, granted('user:bob', 'READ')]).when(revoke).then([revoked]);
      given([created, granted('user:bob', 'READ'), revoked]).when(revoke).thenThrows(NotFound, `Experiment permission with experiment_id=${id} and principal=user:bob not found`);
    });
  });
});
