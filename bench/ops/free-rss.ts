/**
 * `node --import tsx bench/ops/free-rss.ts`: what free identities can make
 * the relay keep (issue 12, finding 6). 40 new guest keys each send 2,000
 * ops the relay refuses (guests may not create rooms; 2,000 is the default
 * op burst), 80,000 in all, in frames of 128; then the relay restarts on
 * that data folder and its RSS after a full GC is compared with a relay
 * started on an empty folder. Prints one JSON object:
 * { rssFreshMB, rssAfterRestartMB, growthMB, refusedOps, floodMs }.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { OpClient } from '../../test/helpers/ops.ts';
import { connectClient, generateKey } from '../../test/helpers/relay-client.ts';
import { makeDataDir } from '../../test/helpers/start-relay.ts';

const KEYS = 40;
const OPS_PER_KEY = 2_000;
const FRAME = 128;

interface Child {
  readonly proc: ChildProcess;
  readonly wsUrl: string;
}

async function startChild(dataDir: string): Promise<Child> {
  const proc = fork(join(dirname(fileURLToPath(import.meta.url)), 'rss-child.ts'), [], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, PARLEY_PROBE_DIR: dataDir },
    execArgv: [...process.execArgv, '--expose-gc'],
  });
  const { wsUrl } = await new Promise<{ wsUrl: string }>((resolve) => proc.once('message', (m) => resolve(m as { wsUrl: string })));
  return { proc, wsUrl };
}

async function rssMB(child: Child): Promise<number> {
  child.proc.send('rss');
  const { rss } = await new Promise<{ rss: number }>((resolve) => child.proc.once('message', (m) => resolve(m as { rss: number })));
  return Math.round((rss / 1048576) * 10) / 10;
}

async function stopChild(child: Child): Promise<void> {
  const exited = new Promise((resolve) => child.proc.once('exit', resolve));
  child.proc.send('stop');
  await exited;
}

async function flood(wsUrl: string): Promise<number> {
  let refused = 0;
  // Signed in one after another (a loaded box cannot answer 40 handshakes at once within the auth timeout), then all flood at once.
  const guests: OpClient[] = [];
  for (let k = 0; k < KEYS; k++) guests.push(new OpClient(await connectClient(wsUrl, { name: `Guest ${k}`, key: generateKey(), timeoutMs: 120_000 })));
  await Promise.all(
    guests.map(async (guest, k) => {
      for (let i = 0; i < OPS_PER_KEY; i += FRAME) {
        const ops = Array.from({ length: Math.min(FRAME, OPS_PER_KEY - i) }, () => guest.sign({ kind: 'room.create', args: { roomId: `g${k}-${guest.seq}`, parentId: 'root', name: 'Nope', index: 0, description: '', userLimit: 0 } }));
        const results = await guest.submit(ops, 120_000);
        refused += results.filter((r) => r.code !== 0).length;
      }
      await guest.client.close();
    }),
  );
  return refused;
}

const emptyDir = await makeDataDir();
const floodDir = await makeDataDir();
try {
  const fresh = await startChild(emptyDir);
  const rssFreshMB = await rssMB(fresh);
  await stopChild(fresh);
  const first = await startChild(floodDir);
  const t0 = performance.now();
  const refusedOps = await flood(first.wsUrl);
  const floodMs = Math.round(performance.now() - t0);
  await stopChild(first);
  const restarted = await startChild(floodDir);
  const rssAfterRestartMB = await rssMB(restarted);
  await stopChild(restarted);
  console.log(JSON.stringify({ rssFreshMB, rssAfterRestartMB, growthMB: Math.round((rssAfterRestartMB - rssFreshMB) * 10) / 10, refusedOps, floodMs, node: process.version }));
} finally {
  await rm(emptyDir, { recursive: true, force: true });
  await rm(floodDir, { recursive: true, force: true });
}
