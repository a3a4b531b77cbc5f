import type { Readable } from 'node:stream';
import { Client, S3Error } from 'minio';
import { InvalidArgument, NotFound } from '@chronicle/errors';
import { normalizeArtifactKey, normalizeArtifactPath } from './artifact-path';
import type { ArtifactEntry, ArtifactStore, MultipartPart, MultipartUploads } from './artifact-store.port';

export interface S3ArtifactStoreOptions {
  /** e.g. `http://127.0.0.1:58080` or `https://s3.eu-west-1.amazonaws.com` */
  endpoint: string;
  accessKey: string;
  secretKey: string;
  bucket: string;
  region?: string;
  /** Size of the parts a streamed upload is cut into; also the most memory one upload holds. */
  partSizeBytes?: number;
}

const defaultPartSize = 16 * 1024 * 1024;
const minPartSize = 5 * 1024 * 1024; // S3's minimum for every part but the last
const maxParts = 10_000; // S3's limit per multipart upload
const deleteBatchSize = 1000; // S3's limit per DeleteObjects request
const partUrlExpirySeconds = 3600;

/** Artifacts in a bucket of any S3-compatible server, addressed path-style. */
export class S3ArtifactStore implements ArtifactStore {
  private readonly client: Client;
  private readonly bucket: string;
  private readonly region: string;
  private readonly partSize: number;
  readonly multipart: MultipartUploads;

  constructor(options: S3ArtifactStoreOptions) {
    const url = new URL(options.endpoint);
    const useSSL = url.protocol === 'https:';
    this.region = options.region ?? 'us-east-1';
    this.client = new Client({
      endPoint: url.hostname,
      port: url.port ? Number(url.port) : useSSL ? 443 : 80,
      useSSL,
      accessKey: options.accessKey,
      secretKey: options.secretKey,
      region: this.region,
      pathStyle: true,
    });
    this.bucket = options.bucket;
    this.partSize = options.partSizeBytes ?? defaultPartSize;
    if (this.partSize < minPartSize) throw new InvalidArgument(`S3 part size must be at least ${minPartSize} bytes`);
    this.multipart = {
      create: (key, numParts) => this.createMultipart(normalizeArtifactKey(key), numParts),
      complete: (key, uploadId, parts) => this.completeMultipart(normalizeArtifactKey(key), uploadId, parts),
      abort: (key, uploadId) => this.abortMultipart(normalizeArtifactKey(key), uploadId),
    };
  }

  /** Creates the bucket if it does not exist yet (embedded mode and tests). */
  async ensureBucket(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) await this.client.makeBucket(this.bucket, this.region);
  }

  // We cut the stream into parts ourselves rather than hand it to minio's putObject: without a
  // length, putObject sizes parts for a 5 TiB object (~525 MiB buffered each), sends even tiny
  // files as multipart, never aborts a failed upload, and does not see errors of the source stream.
  async put(key: string, body: Readable): Promise<void> {
    const objectName = normalizeArtifactKey(key);
    const parts = fixedSizeParts(body, this.partSize);
    try {
      await this.upload(objectName, parts);
    } finally {
      await parts.return(undefined); // releases the source stream if the upload failed midway
    }
  }

  async get(key: string): Promise<{ body: Readable; size: number }> {
    const objectName = normalizeArtifactKey(key);
    try {
      const { size } = await this.client.statObject(this.bucket, objectName);
      return { body: await this.client.getObject(this.bucket, objectName), size };
    } catch (error) {
      throw translate(error, `Artifact ${key} does not exist`);
    }
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const normalized = normalizeArtifactPath(prefix);
    const dir = normalized === '' ? '' : `${normalized}/`;
    const entries: ArtifactEntry[] = [];
    for await (const item of this.client.listObjectsV2(this.bucket, dir, false)) {
      if (item.prefix !== undefined) {
        entries.push({ path: item.prefix.slice(dir.length, -1), isDir: true });
      } else if (item.name !== dir) {
        // An object named exactly `dir/` is a directory marker some S3 tools create, not a child.
        entries.push({ path: item.name.slice(dir.length), isDir: false, size: item.size });
      }
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const objectName = normalizeArtifactKey(key);
    let batch: string[] = [objectName];
    for await (const item of this.client.listObjectsV2(this.bucket, `${objectName}/`, true)) {
      if (item.name === undefined) continue;
      batch.push(item.name);
      if (batch.length === deleteBatchSize) {
        await this.removeBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.removeBatch(batch);
  }

  private async upload(objectName: string, parts: AsyncGenerator<Buffer>): Promise<void> {
    const first = await parts.next();
    const second = first.done ? first : await parts.next();
    if (second.done) {
      await this.client.putObject(this.bucket, objectName, first.done ? Buffer.alloc(0) : first.value);
      return;
    }
    const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, objectName, {});
    try {
      const etags: { part: number; etag: string }[] = [];
      const uploadPart = async (part: number, payload: Buffer) => {
        const headers = { 'Content-Length': String(payload.length) };
        const { etag } = await this.client.uploadPart({ bucketName: this.bucket, objectName, uploadID: uploadId, partNumber: part, headers }, payload);
        etags.push({ part, etag });
      };
      await uploadPart(1, first.value);
      await uploadPart(2, second.value);
      for (let next = await parts.next(); !next.done; next = await parts.next()) {
        if (etags.length === maxParts) throw new InvalidArgument(`Artifact ${objectName} needs more than ${maxParts} parts`);
        await uploadPart(etags.length + 1, next.value);
      }
      await this.client.completeMultipartUpload(this.bucket, objectName, uploadId, etags);
    } catch (error) {
      await this.client.abortMultipartUpload(this.bucket, objectName, uploadId).catch(() => undefined);
      throw error;
    }
  }

  private async removeBatch(names: string[]): Promise<void> {
    const results = await this.client.removeObjects(this.bucket, names);
    const failed = results.find((result) => result?.Error);
    if (failed?.Error) throw new Error(`Could not delete ${failed.Error.Key}: ${failed.Error.Code} ${failed.Error.Message}`);
  }

  private async createMultipart(objectName: string, numParts: number): Promise<{ uploadId: string; parts: MultipartPart[] }> {
    if (!Number.isInteger(numParts) || numParts < 1 || numParts > maxParts) {
      throw new InvalidArgument(`num_parts must be an integer between 1 and ${maxParts}, got ${numParts}`);
    }
    const uploadId = await this.client.initiateNewMultipartUpload(this.bucket, objectName, {});
    const parts = await Promise.all(
      Array.from({ length: numParts }, async (_, index): Promise<MultipartPart> => {
        const partNumber = String(index + 1);
        const url = await this.client.presignedUrl('PUT', this.bucket, objectName, partUrlExpirySeconds, { partNumber, uploadId });
        return { partNumber: index + 1, url, headers: {} };
      }),
    );
    return { uploadId, parts };
  }

  private async completeMultipart(objectName: string, uploadId: string, parts: { partNumber: number; etag: string }[]): Promise<void> {
    const etags = [...parts].sort((a, b) => a.partNumber - b.partNumber).map(({ partNumber, etag }) => ({ part: partNumber, etag }));
    try {
      await this.client.completeMultipartUpload(this.bucket, objectName, uploadId, etags);
    } catch (error) {
      throw translate(error, `Multipart upload ${uploadId} does not exist`);
    }
  }

  private async abortMultipart(objectName: string, uploadId: string): Promise<void> {
    try {
      await this.client.abortMultipartUpload(this.bucket, objectName, uploadId);
    } catch (error) {
      throw translate(error, `Multipart upload ${uploadId} does not exist`);
    }
  }
}

/** Re-chunks a byte stream into parts of exactly `size` bytes (the last may be shorter). */
async function* fixedSizeParts(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of body) {
    let bytes: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    while (pendingBytes + bytes.length >= size) {
      const take = size - pendingBytes;
      yield Buffer.concat([...pending, bytes.subarray(0, take)]);
      bytes = bytes.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (bytes.length > 0) {
      pending.push(bytes);
      pendingBytes += bytes.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

function translate(error: unknown, notFoundMessage: string): unknown {
  if (!(error instanceof S3Error)) return error;
  switch (error.code) {
    case 'NoSuchKey':
    case 'NotFound':
    case 'NoSuchUpload':
      return new NotFound(notFoundMessage);
    case 'InvalidPart':
    case 'InvalidPartOrder':
    case 'EntityTooSmall':
      return new InvalidArgument(`${error.code}: ${error.message}`);
    default:
      return error;
  }
}
