import { templateFingerprint } from './embedded-template';

describe('templateFingerprint', () => {
  const migrations = [{ name: 'TrackingInit1763900000000' }];
  const projections = [
    { name: 'runs', version: 2 },
    { name: 'experiments', version: 1 },
  ];

  it('is stable for the same migrations and projection versions', () => {
    expect(templateFingerprint(migrations, projections)).toBe(templateFingerprint([...migrations], [...projections]));
  });

  it('changes when a migration is added', () => {
    expect(templateFingerprint([...migrations, { name: 'TrackingNext1763999999999' }], projections)).not.toBe(templateFingerprint(migrations, projections));
  });

  it('changes when a projection version is bumped or a projection is added', () => {
    const before = templateFingerprint(migrations, projections);
    expect(templateFingerprint(migrations, [{ name: 'runs', version: 3 }, projections[1]])).not.toBe(before);
    expect(templateFingerprint(migrations, [...projections, { name: 'logged_models', version: 1 }])).not.toBe(before);
  });
});
