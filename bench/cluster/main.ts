/**
 * `npm run bench:cluster -- --json`: the cluster (issue 17) on this machine,
 * one JSON object. This file runs the shared-log throughput
 * (log-throughput.ts) and the failover after `kill -9` (failover.ts); the
 * voice-path measurement lives in its own module beside them.
 */
import { failover } from './failover.ts';
import { logThroughput } from './log-throughput.ts';

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const log = await logThroughput(Number(process.env.BENCH_CLUSTER_RENAMES ?? 20_000));
  const fail = await failover(Number(process.env.BENCH_CLUSTER_KILLS ?? 3));
  const result = { ...log, ...fail, node: process.version };
  if (json) console.log(JSON.stringify(result));
  else console.table(result);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
