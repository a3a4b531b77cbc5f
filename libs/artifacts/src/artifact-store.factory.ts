import { z } from 'zod';
import type { ArtifactStore } from './artifact-store.port';
import { LocalArtifactStore } from './local-artifact.store';

/** Where artifacts live; services embed this in their own config schema. */
export const artifactStoreConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), root: z.string().min(1) }),
  z.object({
    kind: z.literal('s3'),
    endpoint: z.url({ protocol: /^https?$/ }),
    accessKey: z.string().min(1),
    secretKey: z.string().min(1),
    bucket: z.string().min(3),
    region: z.string().min(1).default('us-east-1'),
  }),
]);

export type ArtifactStoreConfig = z.infer<typeof artifactStoreConfigSchema>;

/**
 * Builds the store a validated config describes. The S3 adapter loads on demand: its client
 * (minio) costs ~130 ms of start-up CPU and ~20 MB that the embedded default never uses.
 */
export async function createArtifactStore(config: ArtifactStoreConfig): Promise<ArtifactStore> {
  switch (config.kind) {
    case 'local':
      return new LocalArtifactStore(config.root);
    case 's3': {
      // require, not import(): a dynamic import() resolves as ESM, which this CommonJS build is not.
      const { S3ArtifactStore } = require('./s3-artifact.store') as typeof import('./s3-artifact.store');
      return new S3ArtifactStore(config);
    }
    default: {
      const unknownKind: never = config;
      throw new Error(`Unknown artifact store ${JSON.stringify(unknownKind)}`);
    }
  }
}
