export { createHttpApp, type HttpAppOptions } from './http-app';
export { HealthModule, type ReadinessCheck } from './health.module';
export { loggingModule } from './logging.module';
export { runService } from './service-main';
export { bootBareService } from './bare-service';
