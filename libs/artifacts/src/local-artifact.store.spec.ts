import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { InvalidArgument } from '@chronicle/errors';
import type { ArtifactStore } from './artifact-store.port';
import { describeArtifactStoreContract, randomStream } from './artifact-store.contract';
import { LocalArtifactStore } from './local-artifact.store';

describe('LocalArtifactStore', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chronicle-artifacts-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  describeArtifactStoreContract(() => new LocalArtifactStore(root));

  it('offers no multipart uploads (MLflow then answers 501)', () => {
    const store: ArtifactStore = new LocalArtifactStore(root);

    expect(store.multipart).toBeUndefined();
  });

  it('stores files under the root at their key', async () => {
    const store = new LocalArtifactStore(root);
    await store.put('ws-1/0/run-a/artifacts/model.pkl', Readable.from([Buffer.from('pickle')]));

    expect(await readdir(join(root, 'ws-1/0/run-a/artifacts'))).toEqual(['model.pkl']);
  });

  it('hides its staging directory and cleans it after a failed upload', async () => {
    const store = new LocalArtifactStore(root);
    await expect(store.put('ws-2/x.bin', randomStream(1024 * 1024, 512 * 1024).body)).rejects.toThrow();

    expect((await store.list('')).map((entry) => entry.path)).not.toContain('.chronicle-staging');
    expect(await readdir(join(root, '.chronicle-staging'))).toEqual([]);
    await expect(store.get('.chronicle-staging/anything')).rejects.toBeInstanceOf(InvalidArgument);
  });
});
