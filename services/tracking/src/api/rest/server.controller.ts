import { Public } from '@chronicle/authz';
import type { ArtifactStore } from '@chronicle/artifacts';
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ARTIFACT_STORE } from '../../queries/artifact-listing.query';

/** The MLflow version Chronicle reports: ≥ 3.4, so clients enable their newer code paths. */
export const reportedMlflowVersion = '3.6.0';

@Controller()
export class ServerController {
  constructor(@Inject(ARTIFACT_STORE) private readonly artifacts: ArtifactStore) {}

  @Public()
  @Get('version')
  @Header('content-type', 'text/plain')
  version() {
    return reportedMlflowVersion;
  }

  // Recent clients probe server-info, then fall back to server-features.
  @Public()
  @Get(['api/3.0/mlflow/server-info', 'ajax-api/3.0/mlflow/server-info'])
  info() {
    return {
      store_type: 'SqlStore',
      workspaces_enabled: true,
      trace_archival_enabled: false,
      multipart_uploads_enabled: this.artifacts.multipart !== undefined,
      multipart_downloads_enabled: false,
      presigned_upload_run_id_supported: false,
      presigned_upload_model_id_supported: false,
    };
  }

  @Public()
  @Get(['api/2.0/mlflow/server-features', 'ajax-api/2.0/mlflow/server-features', 'api/3.0/mlflow/server-features', 'ajax-api/3.0/mlflow/server-features'])
  features() {
    return { workspaces_enabled: true };
  }
}
