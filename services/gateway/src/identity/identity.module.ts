import { Database } from '@chronicle/database';
import { type DynamicModule, Module } from '@nestjs/common';
import { MembersController } from './api/rest/members.controller';
import { RolesController } from './api/rest/roles.controller';
import { ServiceAccountsController } from './api/rest/service-accounts.controller';
import { TokensController } from './api/rest/tokens.controller';
import { UsersController } from './api/rest/users.controller';
import { WorkspacesController } from './api/rest/workspaces.controller';
import { Authenticator } from './authentication/authenticator';
import { PasswordHasher } from './authentication/password-hasher';
import { WorkspaceAccess } from './authentication/workspace-access';
import { ServiceAccountCommandsHandler } from './commands/service-account-commands.handler';
import { TokenCommandsHandler } from './commands/token-commands.handler';
import { UserCommandsHandler } from './commands/user-commands.handler';
import { WorkspaceCommandsHandler } from './commands/workspace-commands.handler';
import { IdentityEventStore } from './identity.event-store';
import { IdentityTables } from './identity.tables';
import { AccessRepository } from './repositories/access.repository';
import { ServiceAccountsRepository } from './repositories/service-accounts.repository';
import { TokensRepository } from './repositories/tokens.repository';
import { UsersRepository } from './repositories/users.repository';
import { WorkspacesRepository } from './repositories/workspaces.repository';

export interface IdentityAdapters {
  db: Database;
  store: IdentityEventStore;
  tables: IdentityTables;
  authenticator: Authenticator;
  passwords: PasswordHasher;
}

/**
 * Identity: workspaces, members and roles, users, service accounts and API tokens. Every route
 * carries its policy and its own AuthorizationGuard, so it is protected even in an app that does
 * not install the guard globally.
 */
@Module({})
export class IdentityModule {
  static register(adapters: IdentityAdapters): DynamicModule {
    return {
      module: IdentityModule,
      controllers: [WorkspacesController, UsersController, TokensController, ServiceAccountsController, MembersController, RolesController],
      providers: [
        { provide: Database, useValue: adapters.db },
        { provide: IdentityEventStore, useValue: adapters.store },
        { provide: IdentityTables, useValue: adapters.tables },
        { provide: Authenticator, useValue: adapters.authenticator },
        { provide: PasswordHasher, useValue: adapters.passwords },
        WorkspaceAccess,
        WorkspaceCommandsHandler,
        UserCommandsHandler,
        ServiceAccountCommandsHandler,
        TokenCommandsHandler,
        WorkspacesRepository,
        AccessRepository,
        UsersRepository,
        ServiceAccountsRepository,
        TokensRepository,
      ],
    };
  }
}
