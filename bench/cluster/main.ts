/**
 * `npm run bench:cluster -- --json`: the cluster (issue 17) on this machine,
 * one JSON object, one key per measurement module: `voicePath` (voice-path.ts:
 * the single-relay and the two-relay path in one run, with every process's
 * event-loop delay), `log` (log-throughput.ts: ops/s through the shared log)
 * and `failover` (failover.ts: `kill -9` of a browser's relay until it is
 * back in its room with voice); `linkSend` (link-send.ts: what one link
 * message costs the sender's event loop); `voicePathWorkers`: the voice path
 * again with `--workers` voice worker processes per relay (default 2), in the
 * same run. `--voice-only` skips log and failover.
 * `placement` (placement.ts: cross-relay copies per frame with and without room
 * placement, and the time it takes to settle); `BENCH_CLUSTER_ONLY=<key>` runs one part.
 *
 *   npm run bench:cluster -- --json [--voice-only] [--speakers 10] [--listeners 20] [--seconds 5] [--workers 2]
 *   BENCH_CLUSTER_RENAMES=20000 BENCH_CLUSTER_KILLS=3
 *   BENCH_CLUSTER_PLACEMENT_USERS=24 BENCH_CLUSTER_PLACEMENT_ROOMS=6 BENCH_CLUSTER_PLACEMENT_SEED=<n>
 *   BENCH_CLUSTER_ONLY=placement (run one module)
 */
import { parseArgs } from 'node:util';
import { failover } from './failover.ts';
import { measureLinkSend } from './link-send.ts';
import { logThroughput } from './log-throughput.ts';
import { measurePlacement } from './placement.ts';
import { measureVoicePath } from './voice-path.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, 'voice-only': { type: 'boolean' }, speakers: { type: 'string' }, listeners: { type: 'string' }, seconds: { type: 'string' }, workers: { type: 'string' } },
  });
  const only = process.env.BENCH_CLUSTER_ONLY;
  const run = (name: string): boolean => only === undefined || only === name;
  const result: Record<string, unknown> = {};
  const load = { speakers: Number(values.speakers ?? 10), listeners: Number(values.listeners ?? 20), seconds: Number(values.seconds ?? 5) };
  if (run('voicePath')) result.voicePath = await measureVoicePath(load);
  if (run('voicePathWorkers')) result.voicePathWorkers = await measureVoicePath({ ...load, workers: Number(values.workers ?? 2) });
  if (run('linkSend')) result.linkSend = await measureLinkSend();
  if (!values['voice-only'] && run('log')) result.log = await logThroughput(Number(process.env.BENCH_CLUSTER_RENAMES ?? 20_000));
  if (!values['voice-only'] && run('failover')) result.failover = await failover(Number(process.env.BENCH_CLUSTER_KILLS ?? 3));
  if (!values['voice-only'] && run('placement')) {
    const seed = process.env.BENCH_CLUSTER_PLACEMENT_SEED;
    result.placement = await measurePlacement({
      users: Number(process.env.BENCH_CLUSTER_PLACEMENT_USERS ?? 24),
      rooms: Number(process.env.BENCH_CLUSTER_PLACEMENT_ROOMS ?? 6),
      frames: 20,
      ...(seed ? { seed: Number(seed) } : {}),
    });
  }
  result.node = process.version;
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
