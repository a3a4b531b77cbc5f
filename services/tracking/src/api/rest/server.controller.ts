import { Controller, Get, Header } from '@nestjs/common';

/** The MLflow version Chronicle reports: ≥ 3.4, so clients enable their newer code paths. */
export const reportedMlflowVersion = '3.6.0';

@Controller()
export class ServerController {
  @Get('health')
  @Header('content-type', 'text/plain')
  health() {
    return 'OK';
  }

  @Get('version')
  @Header('content-type', 'text/plain')
  version() {
    return reportedMlflowVersion;
  }

  @Get(['api/2.0/mlflow/server-features', 'ajax-api/2.0/mlflow/server-features'])
  features() {
    return { workspaces_enabled: true };
  }
}
