import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import type { ArtifactStore } from './artifact-store.port';

/** Random bytes streamed in chunks, with their sha256 once the stream has been read. */
export function randomStream(totalBytes: number, failAfter?: number): { body: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let sent = 0; sent < totalBytes; ) {
      if (failAfter !== undefined && sent >= failAfter) throw new Error('client went away');
      const chunk = randomBytes(Math.min(64 * 1024, totalBytes - sent));
      hash.update(chunk);
      sent += chunk.length;
      yield chunk;
    }
  }
  return { body: Readable.from(chunks(), { objectMode: false }), sha256: () => hash.digest('hex') };
}

export async function sha256Of(body: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of body) hash.update(chunk);
  return hash.digest('hex');
}

export async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export const unsafePaths = [
  '../escape',
  'a/../../b',
  '/etc/passwd',
  'a\\..\\b',
  'C:\\windows',
  'C:/windows',
  '%2e%2e/escape',
  'a/%2E%2E/b',
  'a%2f..%2fb',
  '%252e%252e/escape',
  'a#fragment',
  'a?query',
  'a\0b',
];

/**
 * The behaviour every ArtifactStore must show. `makeStore` is called once per suite; each test
 * works under its own random prefix.
 */
export function describeArtifactStoreContract(makeStore: () => Promise<ArtifactStore> | ArtifactStore): void {
  let store: ArtifactStore;
  let dir: string;
  const put = (key: string, text: string) => store.put(key, Readable.from([Buffer.from(text)]));

  beforeAll(async () => {
    store = await makeStore();
  });
  beforeEach(() => {
    dir = `contract-${randomUUID()}`;
  });

  describe('put and get', () => {
    it('round-trips a small file with its size', async () => {
      await put(`${dir}/hello.txt`, 'hello, artifact');

      const { body, size } = await store.get(`${dir}/hello.txt`);
      expect(await readText(body)).toBe('hello, artifact');
      expect(size).toBe(15);
    });

    it('round-trips a ~12 MB stream byte for byte', async () => {
      const bytes = 12 * 1024 * 1024 + 4321;
      const upload = randomStream(bytes);
      await store.put(`${dir}/big.bin`, upload.body);

      const { body, size } = await store.get(`${dir}/big.bin`);
      expect(size).toBe(bytes);
      expect(await sha256Of(body)).toBe(upload.sha256());
    }, 60_000);

    it('round-trips an empty file', async () => {
      await put(`${dir}/empty`, '');

      const { body, size } = await store.get(`${dir}/empty`);
      expect(size).toBe(0);
      expect(await readText(body)).toBe('');
    });

    it('replaces an existing file', async () => {
      await put(`${dir}/f.txt`, 'old');
      await put(`${dir}/f.txt`, 'newer');

      expect(await readText((await store.get(`${dir}/f.txt`)).body)).toBe('newer');
    });

    it('treats redundant slashes and dot segments as the same key', async () => {
      await put(`${dir}//a/./b.txt`, 'same');

      expect(await readText((await store.get(`${dir}/a/b.txt`)).body)).toBe('same');
    });

    it('keeps names with spaces, accents, plus and percent signs intact', async () => {
      const name = 'naïve model + 100%.txt';
      await put(`${dir}/with space/${name}`, 'odd');

      expect(await readText((await store.get(`${dir}/with space/${name}`)).body)).toBe('odd');
      expect(await store.list(`${dir}/with space`)).toEqual([{ path: name, isDir: false, size: 3 }]);
    });

    it('keeps a file invisible until its upload has finished', async () => {
      const body = new PassThrough();
      const uploading = store.put(`${dir}/slow.txt`, body);
      body.write('first half, ');
      await new Promise((resolve) => setTimeout(resolve, 100));

      await expect(store.get(`${dir}/slow.txt`)).rejects.toBeInstanceOf(NotFound);
      body.end('second half');
      await uploading;
      expect(await readText((await store.get(`${dir}/slow.txt`)).body)).toBe('first half, second half');
    });

    it('leaves nothing behind when the body stream fails midway', async () => {
      // Fails after two S3 parts of 5 MiB, so a multipart upload has begun and must be aborted.
      const upload = randomStream(12 * 1024 * 1024, 11 * 1024 * 1024);

      await expect(store.put(`${dir}/broken.bin`, upload.body)).rejects.toThrow('client went away');
      await expect(store.get(`${dir}/broken.bin`)).rejects.toBeInstanceOf(NotFound);
      expect(await store.list(dir)).toEqual([]);
    }, 60_000);

    it('throws NotFound for a missing key and for a directory', async () => {
      await put(`${dir}/sub/file.txt`, 'x');

      await expect(store.get(`${dir}/missing.txt`)).rejects.toBeInstanceOf(NotFound);
      await expect(store.get(`${dir}/sub`)).rejects.toBeInstanceOf(NotFound);
    });
  });

  describe('list', () => {
    it('returns immediate children by basename: directories without size, files with size', async () => {
      await put(`${dir}/model/MLmodel`, 'flavors: {}');
      await put(`${dir}/model/data/weights.bin`, '0123456789');
      await put(`${dir}/metrics.json`, '{}');

      expect(await store.list(dir)).toEqual([
        { path: 'metrics.json', isDir: false, size: 2 },
        { path: 'model', isDir: true },
      ]);
      expect(await store.list(`${dir}/model`)).toEqual([
        { path: 'MLmodel', isDir: false, size: 11 },
        { path: 'data', isDir: true },
      ]);
      expect(await store.list(`${dir}/model/data/`)).toEqual([{ path: 'weights.bin', isDir: false, size: 10 }]);
    });

    it('returns nothing for a missing directory or a file', async () => {
      await put(`${dir}/file.txt`, 'x');

      expect(await store.list(`${dir}/nothing-here`)).toEqual([]);
      expect(await store.list(`${dir}/file.txt`)).toEqual([]);
    });

    it('does not mix in siblings that share a name prefix', async () => {
      await put(`${dir}/run/a.txt`, 'a');
      await put(`${dir}/run-2/b.txt`, 'b');

      expect(await store.list(`${dir}/run`)).toEqual([{ path: 'a.txt', isDir: false, size: 1 }]);
    });
  });

  describe('delete', () => {
    it('deletes one file and leaves its siblings', async () => {
      await put(`${dir}/keep.txt`, 'k');
      await put(`${dir}/drop.txt`, 'd');

      await store.delete(`${dir}/drop.txt`);

      await expect(store.get(`${dir}/drop.txt`)).rejects.toBeInstanceOf(NotFound);
      expect(await store.list(dir)).toEqual([{ path: 'keep.txt', isDir: false, size: 1 }]);
    });

    it('deletes a directory with everything below it, but not a sibling sharing its name prefix', async () => {
      await put(`${dir}/run/a.txt`, 'a');
      await put(`${dir}/run/deep/er/b.txt`, 'b');
      await put(`${dir}/run-2.txt`, 'c');

      await store.delete(`${dir}/run`);

      expect(await store.list(`${dir}/run`)).toEqual([]);
      await expect(store.get(`${dir}/run/deep/er/b.txt`)).rejects.toBeInstanceOf(NotFound);
      expect(await store.list(dir)).toEqual([{ path: 'run-2.txt', isDir: false, size: 1 }]);
    });

    it('drops a directory from listings once its last file is deleted', async () => {
      await put(`${dir}/only/child.txt`, 'x');

      await store.delete(`${dir}/only/child.txt`);

      expect(await store.list(dir)).toEqual([]);
    });

    it('accepts a key that does not exist', async () => {
      await expect(store.delete(`${dir}/never-written`)).resolves.toBeUndefined();
    });
  });

  describe('path safety', () => {
    it.each(unsafePaths)('rejects %j on every operation with InvalidArgument', async (path) => {
      const operations = [
        () => store.get(path),
        () => store.put(path, Readable.from([Buffer.from('x')])),
        () => store.list(path),
        () => store.delete(path),
      ];
      for (const operation of operations) {
        await expect(operation()).rejects.toBeInstanceOf(InvalidArgument);
        await expect(operation()).rejects.toThrow(/^Invalid path/);
      }
    });

    it('refuses the empty key for files but lists it as the root', async () => {
      await expect(store.get('')).rejects.toBeInstanceOf(InvalidArgument);
      await expect(store.delete('.')).rejects.toBeInstanceOf(InvalidArgument);
      await expect(store.list('')).resolves.toEqual(expect.any(Array));
    });
  });
}
