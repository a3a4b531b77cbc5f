export { createHttpApp } from './http-app';
export { loggingModule } from './logging.module';
