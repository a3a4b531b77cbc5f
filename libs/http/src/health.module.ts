import { Public } from '@chronicle/authz';
import { Controller, type DynamicModule, Get, Header, Inject, Module, ServiceUnavailableException } from '@nestjs/common';

const READINESS = Symbol('readiness');
export type ReadinessCheck = () => Promise<void>;

// Probes answer without credentials, as MLflow's /health does.
@Public()
@Controller()
class HealthController {
  constructor(@Inject(READINESS) private readonly check: ReadinessCheck) {}

  /** Liveness: the process serves HTTP. */
  @Get('health')
  @Header('content-type', 'text/plain')
  health() {
    return 'OK';
  }

  /** Readiness: the process's dependencies answer. */
  @Get('ready')
  async ready() {
    try {
      await this.check();
      return { status: 'ready' };
    } catch (error) {
      throw new ServiceUnavailableException(`not ready: ${(error as Error).message}`);
    }
  }
}

/** /health and /ready for a service process; `check` throws while a dependency is down. */
@Module({})
export class HealthModule {
  static register(check: ReadinessCheck): DynamicModule {
    return { module: HealthModule, controllers: [HealthController], providers: [{ provide: READINESS, useValue: check }] };
  }
}
