/**
 * `npm run bench:cluster -- --json`: the cluster (issue 17) on this machine,
 * one JSON object, one key per measurement module: `voicePath` (voice-path.ts:
 * two relays against one at the same load, voice in the relay process) and
 * `voicePathWorkers` (the same with `--workers` voice worker processes per
 * relay, default 2, in the same run), `log` (log-throughput.ts: ops/s
 * through the shared log) and `failover` (failover.ts: `kill -9` of a
 * browser's relay until it is back in its room with voice).
 *
 *   npm run bench:cluster -- --json [--speakers 10] [--listeners 20] [--seconds 5] [--workers 2] [--only voice]
 *   BENCH_CLUSTER_RENAMES=20000 BENCH_CLUSTER_KILLS=3
 */
import { parseArgs } from 'node:util';
import { failover } from './failover.ts';
import { logThroughput } from './log-throughput.ts';
import { measureVoicePath } from './voice-path.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, speakers: { type: 'string' }, listeners: { type: 'string' }, seconds: { type: 'string' }, workers: { type: 'string' }, only: { type: 'string' } },
  });
  const load = { speakers: Number(values.speakers ?? 10), listeners: Number(values.listeners ?? 20), seconds: Number(values.seconds ?? 5) };
  const voicePath = await measureVoicePath(load);
  const voicePathWorkers = await measureVoicePath({ ...load, workers: Number(values.workers ?? 2) });
  // `--only voice`: the two voice paths without the log and failover parts.
  const rest = values.only === 'voice' ? {} : { log: await logThroughput(Number(process.env.BENCH_CLUSTER_RENAMES ?? 20_000)), failover: await failover(Number(process.env.BENCH_CLUSTER_KILLS ?? 3)) };
  const result = { voicePath, voicePathWorkers, ...rest, node: process.version };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else console.dir(result, { depth: null });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
