import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthorizationGuard, PRINCIPAL_RESOLVER } from './authorization.guard';
import type { PrincipalResolver } from './principal-resolver';

/** Authenticates every request of the app with `resolver` and enforces each route's policy. */
@Module({})
export class AuthorizationModule {
  static register(resolver: PrincipalResolver): DynamicModule {
    return {
      module: AuthorizationModule,
      providers: [{ provide: PRINCIPAL_RESOLVER, useValue: resolver }, { provide: APP_GUARD, useClass: AuthorizationGuard }],
    };
  }
}
