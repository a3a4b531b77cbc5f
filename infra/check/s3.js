// Smoke test of the S3 server (infra/s3.sh) with the minio client from the repo's node_modules:
// bucket exists, a wrong secret is rejected, a 12 MiB multipart upload (5 MiB parts) round-trips,
// a presigned GET works. Usage: node infra/check/s3.js
'use strict';
const path = require('path');
const crypto = require('crypto');
const { Readable } = require('stream');
const repo = path.resolve(__dirname, '..', '..');
const Minio = require(require.resolve('minio', { paths: [repo] }));

const endpoint = new URL(process.env.CHRONICLE_S3_ENDPOINT || 'http://127.0.0.1:58080');
const bucket = process.env.CHRONICLE_S3_BUCKET || 'chronicle-artifacts';
const opts = (secretKey) => ({
  endPoint: endpoint.hostname,
  port: Number(endpoint.port),
  useSSL: endpoint.protocol === 'https:',
  accessKey: process.env.CHRONICLE_S3_ACCESS_KEY || 'chronicle',
  secretKey,
  pathStyle: true,
  region: 'us-east-1',
});
const good = new Minio.Client(opts(process.env.CHRONICLE_S3_SECRET_KEY || 'chronicle-secret'));
const bad = new Minio.Client(opts('not-the-secret'));

async function readAll(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return Buffer.concat(chunks);
}

(async () => {
  if (!(await good.bucketExists(bucket))) throw new Error(`bucket ${bucket} missing`);

  let rejected = false;
  try {
    await new Promise((resolve, reject) => {
      const s = bad.listObjectsV2(bucket, '', true);
      s.on('data', () => {});
      s.on('error', reject);
      s.on('end', resolve);
    });
  } catch (err) {
    rejected = /SignatureDoesNotMatch|AccessDenied|InvalidAccessKeyId/.test(err.code || err.message);
    if (!rejected) throw err;
  }
  if (!rejected) throw new Error('a wrong secret key was accepted');
  console.log('s3: wrong secret rejected');

  const size = 12 * 1024 * 1024;
  const data = crypto.randomBytes(size);
  const key = `infra-check/${Date.now()}-multipart.bin`;
  // size > partSize, so minio-js uses ListMultipartUploads, CreateMultipartUpload, UploadPart xN,
  // CompleteMultipartUpload; the multipart ETag ends in -<parts>.
  const mp = new Minio.Client({ ...opts(process.env.CHRONICLE_S3_SECRET_KEY || 'chronicle-secret'), partSize: 5 * 1024 * 1024 });
  const chunks = [];
  for (let off = 0; off < size; off += 1024 * 1024) chunks.push(data.subarray(off, off + 1024 * 1024));
  await mp.putObject(bucket, key, Readable.from(chunks), size);
  const stat = await good.statObject(bucket, key);
  if (!/-\d+$/.test(stat.etag)) throw new Error(`not stored as a multipart upload: etag ${stat.etag}`);
  const back = await readAll(await good.getObject(bucket, key));
  if (!back.equals(data)) throw new Error(`multipart round-trip mismatch: ${back.length} bytes`);
  console.log(`s3: 12 MiB multipart put (5 MiB parts) round-trips (etag ${stat.etag})`);

  const url = await good.presignedGetObject(bucket, key, 60);
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200 || !body.equals(data)) throw new Error(`presigned GET: ${res.status}`);
  const tampered = await fetch(url.replace(/X-Amz-Signature=[0-9a-f]/, (m) => m.slice(0, -1) + (m.endsWith('0') ? '1' : '0')));
  if (tampered.status !== 403) throw new Error(`tampered presigned GET answered ${tampered.status}`);
  console.log('s3: presigned GET works, tampered signature is refused');

  await good.removeObject(bucket, key);
})().catch((err) => {
  console.error('s3 check FAILED:', err);
  process.exit(1);
});
