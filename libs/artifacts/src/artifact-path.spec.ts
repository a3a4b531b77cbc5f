import { InvalidArgument } from '@chronicle/errors';
import { joinArtifactPath, normalizeArtifactKey, normalizeArtifactPath } from './artifact-path';

describe('normalizeArtifactPath', () => {
  it.each([
    ['model/MLmodel', 'model/MLmodel'],
    ['model//data/./weights.bin', 'model/data/weights.bin'],
    ['dir/', 'dir'],
    ['', ''],
    ['.', ''],
    ['a..b/..c/d..', 'a..b/..c/d..'],
    ['100%.txt', '100%.txt'],
    ['%41rtifact', '%41rtifact'],
    ['C/d:e', 'C/d:e'],
    ['naïve/数据.csv', 'naïve/数据.csv'],
  ])('accepts %j as %j', (path, expected) => {
    expect(normalizeArtifactPath(path)).toBe(expected);
  });

  it.each([
    ['..', "contains a '..' segment"],
    ['a/../b', "contains a '..' segment"],
    ['a/..', "contains a '..' segment"],
    ['/abs', 'is absolute'],
    ['//server/share', 'is absolute'],
    ['a\\b', 'contains a backslash'],
    ['\\\\server\\share', 'contains a backslash'],
    ['c:file', 'starts with a drive letter'],
    ['Z:/x', 'starts with a drive letter'],
    ['%2e%2e', "contains a '..' segment"],
    ['a/%2E%2e/b', "contains a '..' segment"],
    ['..%2fx', "contains a '..' segment"],
    ['%2fetc/passwd', 'is absolute'],
    ['a%5cb', 'contains a backslash'],
    ['%25%32%65%25%32%65/x', "contains a '..' segment"],
    ['%2525252525252e', 'is percent-encoded too many times'],
    ['a#b', "contains '#'"],
    ['a%23b', "contains '#'"],
    ['a?b', "contains '?'"],
    ['a\0b', 'contains a NUL character'],
    ['a%00b', 'contains a NUL character'],
  ])('rejects %j because it %s', (path, reason) => {
    expect(() => normalizeArtifactPath(path)).toThrow(InvalidArgument);
    expect(() => normalizeArtifactPath(path)).toThrow(`Invalid path ${JSON.stringify(path)}: it ${reason}`);
  });
});

describe('normalizeArtifactKey', () => {
  it('refuses the root, which names no file', () => {
    expect(() => normalizeArtifactKey('./')).toThrow('Invalid path: the artifact key is empty');
  });
});

describe('joinArtifactPath', () => {
  it('joins pieces that each may hold several segments', () => {
    expect(joinArtifactPath('ws-1', '7', 'run-a/artifacts', '', 'model/')).toBe('ws-1/7/run-a/artifacts/model');
  });

  it('checks every piece, so a user path cannot climb out of its run', () => {
    expect(() => joinArtifactPath('ws-1/7/run-a/artifacts', '../../run-b/artifacts')).toThrow(InvalidArgument);
    expect(() => joinArtifactPath('ws-1/7/run-a/artifacts', '/etc')).toThrow(InvalidArgument);
  });
});
