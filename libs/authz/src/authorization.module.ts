import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuthorizationGuard } from './authorization.guard';

/** Installs the route-level authorization guard on every controller of the app that imports it. */
@Module({ providers: [{ provide: APP_GUARD, useClass: AuthorizationGuard }] })
export class AuthorizationModule {}
