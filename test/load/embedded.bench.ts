import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mlflow, startEmbeddedServer, stopServer } from '../e2e/embedded-server';

const ingestClients = 4;
const ingestSeconds = 15;
const pointsPerBatch = 1000;

/** CPU the process has used (user + system, all threads): unlike wall time, barely moved by other load. */
function cpuMs(pid: number): number {
  // utime and stime (fields 14 and 15 of /proc/<pid>/stat, after the parenthesised command name),
  // in clock ticks of 1/100 s (USER_HZ on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Math.round(((Number(fields[11]) + Number(fields[12])) * 1000) / 100);
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

/** One client logging 1000-point batches to its own run until the deadline; returns points logged. */
async function ingest(url: string, experimentId: string, deadline: number): Promise<number> {
  const { run } = await mlflow<{ run: { info: { run_id: string } } }>(url, 'runs/create', { experiment_id: experimentId });
  let points = 0;
  for (let batch = 0; performance.now() < deadline; batch++) {
    const metrics = Array.from({ length: pointsPerBatch }, (_, i) => ({
      key: `m${i % 10}`,
      value: Math.random(),
      timestamp: Date.now(),
      step: batch * 100 + Math.floor(i / 10),
    }));
    await mlflow(url, 'runs/log-batch', { run_id: run.info.run_id, metrics });
    points += pointsPerBatch;
  }
  return points;
}

/**
 * The embedded default (`chronicle server`, PGlite): cold start to the first served request on a
 * new and on an existing data dir, idle RSS, and log-batch ingest in metric points/s.
 */
export async function runEmbeddedBench(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chronicle-embedded-bench-'));
  try {
    let server = await startEmbeddedServer(dataDir);
    const firstStartMs = Math.round(server.startupMs);
    const firstStartCpuMs = cpuMs(server.process.pid!);
    await stopServer(server, 'SIGTERM');
    server = await startEmbeddedServer(dataDir);
    const restartMs = Math.round(server.startupMs);
    const restartCpuMs = cpuMs(server.process.pid!);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleRssMb = rssMb(server.process.pid!);

    const { experiment_id } = await mlflow<{ experiment_id: string }>(server.url, 'experiments/create', { name: 'ingest' });
    const startedAt = performance.now();
    const deadline = startedAt + ingestSeconds * 1000;
    const counts = await Promise.all(Array.from({ length: ingestClients }, () => ingest(server.url, experiment_id, deadline)));
    const seconds = (performance.now() - startedAt) / 1000;
    const ingestPointsPerSecond = Math.round(counts.reduce((a, b) => a + b, 0) / seconds);
    const loadedRssMb = rssMb(server.process.pid!);
    await stopServer(server, 'SIGTERM');
    return { firstStartMs, firstStartCpuMs, restartMs, restartCpuMs, idleRssMb, ingestPointsPerSecond, loadedRssMb };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runEmbeddedBench().then(
    (results) => console.table(results),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
