/**
 * Child process: a real Parley relay (createRelay, default limits) on
 * 127.0.0.1 with a temporary store seeded with the benchmark rooms, voice
 * in-process or in `voiceWorkers` worker processes (whose pids it reports);
 * with `perms`, the rooms sit under a 10-deep chain with 100 rules (perms-tree.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodeDataChannel from 'node-datachannel';
import { createRelay } from '../../relay/index.ts';
import type { Relay } from '../../relay/index.ts';
import { Store } from '../../relay/storage/store.ts';
import { reply } from './ipc.ts';
import type { TargetReply, TargetRequest } from './ipc.ts';
import { seedPermsTree } from './perms-tree.ts';
import { benchRooms } from './rooms.ts';

let relay: Relay | undefined;
let dataDir: string | undefined;
let internalErrors = 0;

async function start(rooms: number, udpMuxPort: number | undefined, voiceWorkers: number, perms: boolean): Promise<TargetReply> {
  dataDir = await mkdtemp(join(tmpdir(), 'parley-bench-'));
  const store = await Store.open(dataDir, () => {});
  if (perms) await seedPermsTree(store, rooms);
  else await store.saveRooms(benchRooms(rooms));
  await store.close();
  relay = await createRelay({ port: 0, host: '127.0.0.1', dataDir, rtc: udpMuxPort === undefined ? {} : { udpMuxPort }, voiceWorkers });
  relay.on('internal-error', (e) => {
    internalErrors++;
    if (internalErrors <= 5) console.error(`relay internal error [where:${e.where}]`, e.error);
  });
  return { type: 'started', address: { kind: 'relay', wsUrl: relay.wsUrl }, pids: [process.pid, ...relay.stats().voiceWorkers.map((w) => w.pid)] };
}

async function handle(req: TargetRequest): Promise<void> {
  switch (req.type) {
    case 'start':
      reply<TargetReply>(await start(req.rooms, req.udpMuxPort, req.voiceWorkers ?? 0, req.perms ?? false));
      return;
    case 'stats': {
      const s = relay?.stats();
      reply<TargetReply>({
        type: 'stats',
        forwarded: s?.forwarded ?? 0,
        bundled: s?.bundled ?? 0,
        drops: { ...(s?.datagrams ?? {}) },
        internalErrors,
        heapUsedKiB: Math.round(process.memoryUsage().heapUsed / 1024),
        externalKiB: Math.round(process.memoryUsage().external / 1024),
      });
      return;
    }
    case 'exit':
      await relay?.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      nodeDataChannel.cleanup();
      process.exit(0);
  }
}

process.on('message', (req: TargetRequest) => {
  handle(req).catch((error: unknown) => reply<TargetReply>({ type: 'error', message: String(error) }));
});
reply<TargetReply>({ type: 'ready', pid: process.pid });
