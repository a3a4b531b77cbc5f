import type { Readable } from 'node:stream';

export interface ArtifactEntry {
  /**
   * The child's name (a basename). Callers prefix it as their route needs: `runs/artifacts/list`
   * answers `<listed dir>/<name>`, `mlflow-artifacts/artifacts?path=` answers the basename.
   */
  path: string;
  isDir: boolean;
  /** Bytes, for files only. */
  size?: number;
}

export interface MultipartPart {
  partNumber: number;
  url: string;
  headers: Record<string, string>;
}

/** Present only on stores that can take multipart uploads (MLflow answers 501 otherwise). */
export interface MultipartUploads {
  /** Starts an upload and returns one URL per part; the client PUTs each part to its URL. */
  create(key: string, numParts: number): Promise<{ uploadId: string; parts: MultipartPart[] }>;
  /** Throws NotFound for an unknown upload id. */
  complete(key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void>;
  /** Throws NotFound for an unknown upload id. */
  abort(key: string, uploadId: string): Promise<void>;
}

/**
 * Artifact storage by key (`<workspace>/<experiment>/<run>/artifacts/<path>`). Bodies stream
 * both ways; nothing buffers a whole file in memory. Every key and prefix passes MLflow's
 * path-safety check (see artifact-path.ts); an unsafe one throws InvalidArgument.
 */
export interface ArtifactStore {
  /** Writes a file; readers see either the old file or the whole new one, never a part. */
  put(key: string, body: Readable): Promise<void>;
  /** Throws NotFound when the key does not exist (a directory is not a file). */
  get(key: string): Promise<{ body: Readable; size: number }>;
  /** Immediate children of a directory key (`''` is the root), sorted by name; empty when none. */
  list(prefix: string): Promise<ArtifactEntry[]>;
  /** Deletes a file, or a directory with everything below it; a missing key is not an error. */
  delete(key: string): Promise<void>;
  readonly multipart?: MultipartUploads;
}
