export type { ArtifactEntry, ArtifactStore, MultipartPart, MultipartUploads } from './artifact-store.port';
export { joinArtifactPath, normalizeArtifactKey, normalizeArtifactPath } from './artifact-path';
export { LocalArtifactStore } from './local-artifact.store';
export type { S3ArtifactStoreOptions } from './s3-artifact.store';
export { artifactStoreConfigSchema, createArtifactStore, type ArtifactStoreConfig } from './artifact-store.factory';
