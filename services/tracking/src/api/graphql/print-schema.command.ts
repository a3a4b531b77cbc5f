import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { trackingGraphqlResolvers } from './tracking-graphql.resolvers';

/**
 * Prints the tracking GraphQL schema (SDL, sorted) to stdout, built from the same resolvers the
 * server serves. `npm run graphql:schema` writes it to schema.graphql; scripts/check-graphql-schema.sh
 * fails when the committed file differs.
 */
async function main(): Promise<void> {
  const app = await NestFactory.create(GraphQLSchemaBuilderModule, { logger: false });
  await app.init();
  const schema = await app.get(GraphQLSchemaFactory).create(trackingGraphqlResolvers);
  process.stdout.write(`${printSchema(lexicographicSortSchema(schema))}\n`);
  await app.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
