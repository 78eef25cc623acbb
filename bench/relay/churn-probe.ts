/**
 * `npm run bench:churn -- [cycles] [concurrency] [keys]`: how the relay's
 * memory responds to sessions that sign in, open voice and leave, with no
 * voice load (the soak mixes churn with voice; this isolates churn). Prints
 * one JSON object: per 100 cycles the relay's RSS, its V8 heap after a full
 * GC, and external memory, in MiB.
 * keys: how many identities take turns (0 = a new identity every cycle).
 * The relay runs in a child (env passes through, e.g. MALLOC_ARENA_MAX).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { connectClient, generateKey } from '../../test/helpers/relay-client.ts';

if (process.argv[2] === 'relay') {
  const { startRelay } = await import('../../test/helpers/start-relay.ts');
  // A logger that keeps nothing: the test helper's default keeps every line in memory, which would be measured as growth.
  const quiet = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const started = await startRelay({ guests: 'allow', logger: quiet, limits: { controlBurst: 1e9, controlPerSecond: 1e9 } });
  process.send!({ wsUrl: started.relay.wsUrl });
  // Heap after a full GC, to tell JavaScript growth from native growth.
  process.on('message', (m) => {
    if (typeof m === 'object' && m !== null && 'snapshot' in m) {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({ snapshot: writeHeapSnapshot(String((m as { snapshot: string }).snapshot)) });
      return;
    }
    if (m !== 'mem') return;
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20), externalMiB: Math.round(process.memoryUsage().external / 2 ** 20) });
  });
  process.on('disconnect', () => void started.cleanup().then(() => process.exit(0)));
} else {
  const cycles = Number(process.argv[2] ?? 1500);
  const concurrency = Number(process.argv[3] ?? 4);
  // PARLEY_CHURN_SNAPSHOTS=dir: heap snapshots of the relay after 200 sessions and at the end, for a diff.
  const snapshotDir = process.env.PARLEY_CHURN_SNAPSHOTS;
  const pool = Array.from({ length: Number(process.argv[4] ?? 0) }, () => generateKey());
  const child = fork(fileURLToPath(import.meta.url), ['relay'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv: [...process.execArgv, '--expose-gc'] });
  const { wsUrl } = await new Promise<{ wsUrl: string }>((r) => child.once('message', (m) => r(m as { wsUrl: string })));
  const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) >> 10;
  const sample = async (n: number): Promise<void> => {
    const m = await ask<{ heapMiB: number; externalMiB: number }>('mem');
    samples.push([n, rss(), m.heapMiB, m.externalMiB]);
  };
  const samples: Array<[number, number, number, number]> = [];
  // Requests to the relay child go one at a time: its replies are told apart by order only.
  let channel: Promise<unknown> = Promise.resolve();
  const ask = <T>(request: 'mem' | { snapshot: string }): Promise<T> => {
    const next = channel.then(
      () =>
        new Promise<T>((resolve) => {
          child.once('message', (m) => resolve(m as T));
          child.send(request);
        }),
    );
    channel = next.catch(() => {});
    return next;
  };
  const snapshot = async (n: number): Promise<void> => {
    await ask({ snapshot: `${snapshotDir}/relay-${n}.heapsnapshot` });
  };
  await sample(0);
  let done = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (done < cycles) {
      done++;
      try {
        const c = await connectClient(wsUrl, { name: `churn ${done}`, key: pool.length > 0 ? pool[done % pool.length]! : generateKey() });
        await c.openVoice();
        await c.close();
      } catch {
        failures++;
      }
      if (done % 100 === 0) await sample(done);
      if (snapshotDir && done === 200) await snapshot(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (snapshotDir) await snapshot(cycles);
  console.log(JSON.stringify({ cycles, failures, keys: pool.length, arenaMax: process.env.MALLOC_ARENA_MAX ?? null, samples: 'cycles, rss MiB, heap MiB after gc, external MiB', memory: samples }));
  child.disconnect();
  process.exit(0);
}
