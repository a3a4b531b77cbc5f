import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Conflict, InvalidArgument, NotFound } from '@chronicle/errors';
import { normalizeArtifactKey, normalizeArtifactPath } from './artifact-path';
import type { ArtifactEntry, ArtifactStore } from './artifact-store.port';

// Uploads are written here first and renamed into place, so a crash never leaves a partial file
// where readers look. It lives under the root to stay on the same filesystem (rename is atomic).
const stagingDirName = '.chronicle-staging';

/** Artifacts as plain files under a root directory (embedded mode). No multipart uploads. */
export class LocalArtifactStore implements ArtifactStore {
  private readonly root: string;
  private readonly staging: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.staging = join(this.root, stagingDirName);
  }

  async put(key: string, body: Readable): Promise<void> {
    const target = this.fileFor(normalizeArtifactKey(key));
    await mkdir(this.staging, { recursive: true });
    const temp = join(this.staging, randomUUID());
    try {
      await pipeline(body, createWriteStream(temp, { flags: 'wx' }));
      await this.moveIntoPlace(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      if (['EEXIST', 'EISDIR', 'ENOTDIR', 'ENOTEMPTY'].includes(errorCode(error))) {
        throw new Conflict(`Cannot write artifact ${key}: a file and a directory would share a path`);
      }
      throw error;
    }
  }

  async get(key: string): Promise<{ body: Readable; size: number }> {
    const file = this.fileFor(normalizeArtifactKey(key));
    // Open before stat so the size and the bytes come from the same file, even if it is replaced.
    const handle = await open(file, 'r').catch((error: unknown) => {
      throw isMissing(error) ? notFound(key) : error;
    });
    const info = await handle.stat();
    if (!info.isFile()) {
      await handle.close();
      throw notFound(key);
    }
    return { body: handle.createReadStream(), size: info.size };
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const normalized = normalizeArtifactPath(prefix);
    const dir = this.fileFor(normalized);
    const names = await readdir(dir).catch((error: unknown) => {
      // MLflow lists a missing directory, or a file, as empty.
      if (isMissing(error)) return [];
      throw error;
    });
    const entries = await Promise.all(
      names
        .filter((name) => !(normalized === '' && name === stagingDirName))
        .map(async (name): Promise<ArtifactEntry | undefined> => {
          const info = await stat(join(dir, name)).catch(() => undefined); // deleted meanwhile
          if (info?.isDirectory()) return { path: name, isDir: true };
          if (info?.isFile()) return { path: name, isDir: false, size: info.size };
          return undefined;
        }),
    );
    return entries.filter((entry) => entry !== undefined).sort(byPath);
  }

  async delete(key: string): Promise<void> {
    const file = this.fileFor(normalizeArtifactKey(key));
    await rm(file, { recursive: true, force: true });
    await this.pruneEmptyDirs(dirname(file));
  }

  private fileFor(normalizedPath: string): string {
    const segments = normalizedPath === '' ? [] : normalizedPath.split('/');
    if (segments[0] === stagingDirName) {
      throw new InvalidArgument(`Invalid path ${JSON.stringify(normalizedPath)}: ${stagingDirName} is reserved`);
    }
    return join(this.root, ...segments);
  }

  private async moveIntoPlace(temp: string, target: string): Promise<void> {
    // A concurrent delete may prune the freshly made parent before the rename; make it again.
    for (let attempt = 1; ; attempt++) {
      await mkdir(dirname(target), { recursive: true });
      try {
        return await rename(temp, target);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT' || attempt === 3) throw error;
      }
    }
  }

  // S3 has no directories, so a directory whose last file is deleted disappears there; do the
  // same here to keep listings identical across stores.
  private async pruneEmptyDirs(dir: string): Promise<void> {
    for (let current = dir; current.startsWith(this.root + sep); current = dirname(current)) {
      try {
        await rmdir(current);
      } catch (error) {
        if (errorCode(error) !== 'ENOENT') return;
      }
    }
  }
}

function byPath(a: ArtifactEntry, b: ArtifactEntry): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function errorCode(error: unknown): string {
  // Not `instanceof Error`: errors from Node's fs may come from another realm (Jest's VM).
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : '';
}

function isMissing(error: unknown): boolean {
  return ['ENOENT', 'ENOTDIR'].includes(errorCode(error));
}

function notFound(key: string): NotFound {
  return new NotFound(`Artifact ${key} does not exist`);
}
