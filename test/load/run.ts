import { printResults } from './eventstore-bench-support';
import { runEmbeddedBench } from './embedded.bench';
import { runEventStoreBench } from './eventstore.bench';
import { runGraphqlBench } from './graphql.bench';
import { runTrackingBench } from './tracking.bench';

/** `npm run bench`: the event store, tracking (vs MLflow), embedded and GraphQL benches, then their result tables. */
async function main(): Promise<void> {
  const eventStore = await runEventStoreBench();
  const tracking = await runTrackingBench();
  const embedded = await runEmbeddedBench();
  const graphql = await runGraphqlBench();
  printResults('Event store', eventStore);
  printResults('Tracking', tracking);
  printResults('Embedded', embedded);
  printResults('GraphQL', graphql);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
