import { printResults } from './eventstore-bench-support';
import { runEmbeddedBench } from './embedded.bench';
import { runEventStoreBench } from './eventstore.bench';
import { runTrackingBench } from './tracking.bench';

/** `npm run bench`: the event store, tracking (vs MLflow) and embedded benches, then their result tables. */
async function main(): Promise<void> {
  const eventStore = await runEventStoreBench();
  const tracking = await runTrackingBench();
  const embedded = await runEmbeddedBench();
  printResults('Event store', eventStore);
  printResults('Tracking', tracking);
  printResults('Embedded', embedded);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
