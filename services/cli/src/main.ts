#!/usr/bin/env node
import 'reflect-metadata';
import { ConfigError } from '@chronicle/config';
import { trackingProjections } from '@chronicle/tracking';
import { Command } from 'commander';
import { prepareEmbeddedTemplate } from './embedded-template';
import { runRebuild } from './rebuild.command';
import { runServer } from './server.command';

const program = new Command('chronicle')
  .description('Chronicle: event-sourced ML and GenAI lifecycle platform that speaks MLflow\'s REST API')
  .showHelpAfterError();

program
  .command('server')
  .description('Run all of Chronicle in one process (embedded Postgres unless CHRONICLE_DATABASE_URL is set)')
  .option('--host <host>', 'address to listen on (env CHRONICLE_HOST)', undefined)
  .option('--port <port>', 'port to listen on (env CHRONICLE_PORT, default 5000)', undefined)
  .option('--data-dir <dir>', 'where embedded Postgres and local artifacts live (env CHRONICLE_DATA_DIR, default .chronicle)', undefined)
  .action(runServer);

program
  .command('rebuild')
  .description('Replay the event log into fresh read models and swap them in (all projections when none is named)')
  .argument('[projections...]', `projection names: ${trackingProjections.map((p) => p.name).join(', ')}`)
  .option('--data-dir <dir>', 'the embedded data dir to rebuild (env CHRONICLE_DATA_DIR); CHRONICLE_DATABASE_URL selects a server instead', undefined)
  .action(runRebuild);

// Run by the server itself, in a child process, the first time it needs a new cluster.
program.command('prepare-embedded-template', { hidden: true }).action(() => prepareEmbeddedTemplate());

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
