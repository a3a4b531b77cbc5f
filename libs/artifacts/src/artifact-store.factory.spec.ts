import { artifactStoreConfigSchema, createArtifactStore } from './artifact-store.factory';
import { LocalArtifactStore } from './local-artifact.store';
import { S3ArtifactStore } from './s3-artifact.store';

describe('createArtifactStore', () => {
  it('builds a filesystem store for kind local', async () => {
    const config = artifactStoreConfigSchema.parse({ kind: 'local', root: '/var/lib/chronicle/artifacts' });

    await expect(createArtifactStore(config)).resolves.toBeInstanceOf(LocalArtifactStore);
  });

  it('builds an S3 store for kind s3, defaulting the region', async () => {
    const config = artifactStoreConfigSchema.parse({
      kind: 's3',
      endpoint: 'http://127.0.0.1:58080',
      accessKey: 'chronicle',
      secretKey: 'chronicle-secret',
      bucket: 'chronicle-artifacts',
    });

    expect(config).toMatchObject({ region: 'us-east-1' });
    await expect(createArtifactStore(config)).resolves.toBeInstanceOf(S3ArtifactStore);
  });

  it('rejects an incomplete or unknown config', () => {
    expect(artifactStoreConfigSchema.safeParse({ kind: 's3', endpoint: 'http://x:1', bucket: 'b' }).success).toBe(false);
    expect(artifactStoreConfigSchema.safeParse({ kind: 's3', endpoint: 'ftp://x', accessKey: 'a', secretKey: 's', bucket: 'bucket' }).success).toBe(false);
    expect(artifactStoreConfigSchema.safeParse({ kind: 'gcs', root: '/x' }).success).toBe(false);
  });
});
