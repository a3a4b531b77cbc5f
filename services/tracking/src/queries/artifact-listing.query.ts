import { joinArtifactPath, normalizeArtifactPath, type ArtifactStore } from '@chronicle/artifacts';
import { InvalidArgument } from '@chronicle/errors';
import { Inject, Injectable } from '@nestjs/common';

export const ARTIFACT_STORE = Symbol('ArtifactStore');
const proxiedScheme = 'mlflow-artifacts:';

export interface ArtifactFile {
  /** Relative to the listed root URI, as MLflow returns it. */
  path: string;
  isDir: boolean;
  size?: number;
}

/** Lists artifacts below a run's or model's artifact URI; keys are scoped by workspace in the store. */
@Injectable()
export class ArtifactListing {
  constructor(@Inject(ARTIFACT_STORE) private readonly store: ArtifactStore) {}

  async list(workspaceId: string, rootUri: string, path: string): Promise<{ rootUri: string; files: ArtifactFile[] }> {
    if (!rootUri.startsWith(proxiedScheme)) throw new InvalidArgument(`Artifacts of ${rootUri} are not served by this server`);
    const dir = normalizeArtifactPath(path);
    // `mlflow-artifacts:/0/<run>/artifacts`: the path after the scheme, without its leading slash.
    const root = rootUri.slice(proxiedScheme.length).replace(/^\/+/, '');
    const entries = await this.store.list(joinArtifactPath(workspaceId, joinArtifactPath(root, dir)));
    return { rootUri, files: entries.map((e) => ({ path: dir ? `${dir}/${e.path}` : e.path, isDir: e.isDir, size: e.size })) };
  }
}
