import { printResults } from './eventstore-bench-support';
import { runEventStoreBench } from './eventstore.bench';
import { runTrackingBench } from './tracking.bench';

/** `npm run bench`: the event store bench, then the tracking bench, then both result tables. */
async function main(): Promise<void> {
  const eventStore = await runEventStoreBench();
  const tracking = await runTrackingBench();
  printResults('Event store', eventStore);
  printResults('Tracking', tracking);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
