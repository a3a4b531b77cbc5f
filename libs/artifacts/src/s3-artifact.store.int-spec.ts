import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'minio';
import { z } from 'zod';
import { infraDefaults, loadConfig } from '@chronicle/config';
import { NotFound } from '@chronicle/errors';
import { describeArtifactStoreContract, randomStream, sha256Of } from './artifact-store.contract';
import { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact.store';

const env = loadConfig(
  z.object({
    CHRONICLE_S3_ENDPOINT: z.url().default(infraDefaults.CHRONICLE_S3_ENDPOINT),
    CHRONICLE_S3_ACCESS_KEY: z.string().default(infraDefaults.CHRONICLE_S3_ACCESS_KEY),
    CHRONICLE_S3_SECRET_KEY: z.string().default(infraDefaults.CHRONICLE_S3_SECRET_KEY),
    CHRONICLE_S3_BUCKET: z.string().default(infraDefaults.CHRONICLE_S3_BUCKET),
  }),
);

const options: S3ArtifactStoreOptions = {
  endpoint: env.CHRONICLE_S3_ENDPOINT,
  accessKey: env.CHRONICLE_S3_ACCESS_KEY,
  secretKey: env.CHRONICLE_S3_SECRET_KEY,
  bucket: env.CHRONICLE_S3_BUCKET,
  // The smallest part S3 allows, so the ~12 MB contract upload goes through three parts.
  partSizeBytes: 5 * 1024 * 1024,
};

async function newStore(): Promise<S3ArtifactStore> {
  const store = new S3ArtifactStore(options);
  await store.ensureBucket();
  return store;
}

describe('S3ArtifactStore (S3Proxy)', () => {
  describeArtifactStoreContract(newStore);

  describe('multipart uploads with presigned part URLs', () => {
    let store: S3ArtifactStore;
    let key: string;
    beforeAll(async () => {
      store = await newStore();
    });
    beforeEach(() => {
      key = `multipart-${randomUUID()}/model.bin`;
    });

    const putPart = async (url: string, body: Buffer): Promise<string> => {
      const response = await fetch(url, { method: 'PUT', body });
      expect(response.status).toBe(200);
      const etag = response.headers.get('etag');
      expect(etag).toBeTruthy();
      return etag ?? '';
    };

    it('assembles the parts a client PUTs to the presigned URLs', async () => {
      const chunks = [randomBytes(5 * 1024 * 1024), randomBytes(5 * 1024 * 1024), randomBytes(1234)];
      const { uploadId, parts } = await store.multipart.create(key, chunks.length);
      expect(parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);

      const etags = await Promise.all(parts.map(async (part, i) => ({ partNumber: part.partNumber, etag: await putPart(part.url, chunks[i]) })));
      await store.multipart.complete(key, uploadId, etags.reverse());

      const { body, size } = await store.get(key);
      expect(size).toBe(5 * 1024 * 1024 * 2 + 1234);
      expect(await sha256Of(body)).toBe(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
    }, 60_000);

    it('aborts an upload: nothing becomes visible and the upload id is gone', async () => {
      const { uploadId, parts } = await store.multipart.create(key, 2);
      const etag = await putPart(parts[0].url, randomBytes(5 * 1024 * 1024));

      await store.multipart.abort(key, uploadId);

      await expect(store.get(key)).rejects.toBeInstanceOf(NotFound);
      await expect(store.multipart.complete(key, uploadId, [{ partNumber: 1, etag }])).rejects.toBeInstanceOf(NotFound);
    }, 60_000);

    it('refuses a part URL whose signature was tampered with', async () => {
      const { uploadId, parts } = await store.multipart.create(key, 1);
      const tampered = new URL(parts[0].url);
      tampered.searchParams.set('X-Amz-Signature', '0'.repeat(64));

      const response = await fetch(tampered, { method: 'PUT', body: 'x' });

      expect(response.status).toBe(403);
      await store.multipart.abort(key, uploadId);
    });
  });

  it('aborts its multipart upload when the body stream fails, leaving no parts behind', async () => {
    const store = await newStore();
    const prefix = `failed-${randomUUID()}`;

    await expect(store.put(`${prefix}/x.bin`, randomStream(12 * 1024 * 1024, 11 * 1024 * 1024).body)).rejects.toThrow('client went away');

    const endpoint = new URL(options.endpoint);
    const client = new Client({
      endPoint: endpoint.hostname,
      port: Number(endpoint.port),
      useSSL: endpoint.protocol === 'https:',
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: 'us-east-1',
      pathStyle: true,
    });
    const pending: unknown[] = [];
    for await (const upload of client.listIncompleteUploads(options.bucket, prefix, true)) pending.push(upload);
    expect(pending).toEqual([]);
  }, 60_000);

  it('is refused by the server with a wrong secret key', async () => {
    const impostor = new S3ArtifactStore({ ...options, secretKey: 'not-the-secret' });

    await expect(impostor.list('')).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    await expect(impostor.get('anything')).rejects.toMatchObject({ code: expect.stringMatching(/SignatureDoesNotMatch|AccessDenied|Forbidden/) });
  });
});
