/**
 * `npm run bench:ops -- --json`: signed room-tree ops through a real relay
 * (real WebSocket, real LevelDB with synced batches).
 *
 * - validatedOpsPerSec: 100,000 renames over 1,000 rooms, signed beforehand,
 *   sent in frames of 128 with up to 8 frames in flight to a relay in its own
 *   process (bench/ops/relay-child.ts); counted from the first send to the
 *   last verdict (parse, verify with node:crypto in the relay's signature
 *   workers, authorize, invariants, apply to the Yjs document, synced write,
 *   ack).
 * - offlineSync1000Ms: the real client RoomTreeStore holding 1,000 queued
 *   offline ops reconnects (handshake, document sync, outbox flush) until
 *   every op is acknowledged; relay with default limits.
 * - docBytesAfter100kRenames: the persisted tree document (snapshot plus
 *   updates not yet compacted) after the 100,000 renames; the data folder
 *   size (which also holds the audit log) is reported beside it.
 *
 * - perms (issue 15): the same pipeline with permissions in play: a 10-deep
 *   chain of rooms carrying 100 rules (10 a room, every kind of who, two
 *   named groups) and a member (not an admin, so every op is evaluated)
 *   renaming the deepest rooms, allowed by a rule on the top one:
 *   permsValidatedOpsPerSec end to end, and permsValidateOnlyOpsPerSec for
 *   validateOp alone in this process (evaluate with its trace, 10 levels,
 *   100 rules). BENCH_PERMS_RENAMES (default 20000) sets the count.
 *
 * Knobs for investigating (not for recorded runs): BENCH_RENAMES (default
 * 100000), BENCH_SIG_THREADS (the relay's signature worker count),
 * BENCH_PROF=dir (the relay process writes V8 CPU profiles there).
 */
import { fork } from 'node:child_process';
import { sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { memoryTreeCache, RoomTreeStore } from '../../client/session/tree/index.ts';
import type { Signer } from '../../keys/index.ts';
import { verifyEd25519 } from '../../keys/index.ts';
import type { OpIntent } from '../../crdt/index.ts';
import { Role } from '../../proto/index.ts';
import { permsTree, permsThroughput, validateOnlyOpsPerSec } from './perms-scenario.ts';
import { Store } from '../../relay/storage/store.ts';
import { signOp } from '../../test/helpers/ops.ts';
import { submitAll } from '../../test/helpers/op-burst.ts';
import { connectClient, generateKey, rawPublicKeyOf } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { makeDataDir, startRelay } from '../../test/helpers/start-relay.ts';

const ROOMS = 1000;
const RENAMES = Number(process.env.BENCH_RENAMES ?? 100_000);

function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name));
    total += st.isDirectory() ? dirBytes(join(dir, name)) : st.size;
  }
  return total;
}

interface ChildRelay {
  readonly wsUrl: string;
  readonly invite: Uint8Array;
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** The relay in its own process (same flags as this one, so the TS loader comes along). */
async function startChildRelay(args: string[] = []): Promise<ChildRelay> {
  const child = fork(join(dirname(fileURLToPath(import.meta.url)), 'relay-child.ts'), args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced', execArgv: [...process.execArgv, ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.BENCH_PROF] : [])] });
  const info = await new Promise<{ wsUrl: string; invite: Uint8Array; dataDir: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { wsUrl: string; invite: Uint8Array; dataDir: string }));
    child.once('exit', (code) => reject(new Error(`bench relay exited early [code:${code}]`)));
  });
  return {
    ...info,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
    },
  };
}

async function throughputAndSize(): Promise<{ validatedOpsPerSec: number; docBytesAfter100kRenames: number; dataDirBytesAfter100kRenames: number }> {
  const started = await startChildRelay();
  // A bare client (no replica).
  const admin = await connectClient(started.wsUrl, { name: 'Bench', invite: started.invite, key: generateKey(), timeoutMs: 120_000 });
  let seq = 0;
  const author = rawPublicKeyOf(admin.key);
  const signed = (intent: OpIntent) => signOp(admin.key, admin.hello.relayPublicKey, ++seq, intent, undefined, author);
  const creates = Array.from({ length: ROOMS }, (_, i) => signed({ kind: 'room.create', args: { roomId: `b${i}`, parentId: 'root', name: `Room ${i}`, index: i, description: '', userLimit: 0 } }));
  await submitAll(admin, creates);
  const renames = Array.from({ length: RENAMES }, (_, i) => signed({ kind: 'room.rename', args: { roomId: `b${i % ROOMS}`, name: `Room ${i % ROOMS} v${Math.floor(i / ROOMS)}` } }));
  const ms = await submitAll(admin, renames);
  await admin.close();
  await started.stop();
  const store = await Store.open(started.dataDir, () => {});
  let docBytes = 0;
  for (const prefix of ['tree:snapshot', 'tree-upd:']) {
    for (const [, v] of await store.readRange(prefix)) {
      const text = typeof v === 'string' ? v : (v as { v2: string }).v2;
      docBytes += Buffer.from(text, 'base64').byteLength;
    }
  }
  await store.close();
  const dataDirBytes = dirBytes(started.dataDir);
  await rm(started.dataDir, { recursive: true, force: true });
  return { validatedOpsPerSec: Math.round((RENAMES / ms) * 1000), docBytesAfter100kRenames: docBytes, dataDirBytesAfter100kRenames: dataDirBytes };
}

/** The perms scenario (bench/ops/perms-scenario.ts) on its own relay process. */
async function permsScenario(): Promise<{ permsValidatedOpsPerSec: number; permsValidateOnlyOpsPerSec: number; permsDepth: number; permsRules: number; permsRenames: number }> {
  const started = await startChildRelay(['--guests']);
  const admin = await connectClient(started.wsUrl, { name: 'Bench admin', invite: started.invite, key: generateKey(), timeoutMs: 120_000 });
  const member = await connectClient(started.wsUrl, { name: 'Bench member', key: generateKey(), timeoutMs: 120_000 });
  admin.send({ case: 'adminRequest', value: { requestId: 1, action: { case: 'setRole', value: { publicKey: rawPublicKeyOf(member.key), role: Role.MEMBER } } } });
  const set = await admin.next('adminResult', (x) => x.requestId === 1);
  if (set.code !== 0) throw new Error(`setRole failed [code:${set.code}]`);
  const signer = (c: TestClient) => {
    let seq = 0;
    const author = rawPublicKeyOf(c.key);
    return (intent: OpIntent) => signOp(c.key, c.hello.relayPublicKey, ++seq, intent, undefined, author);
  };
  const tree = permsTree(Buffer.from(rawPublicKeyOf(member.key)).toString('hex'));
  const ms = await permsThroughput(tree, signer(admin), signer(member), (c, ops) => submitAll(c === 'admin' ? admin : member, ops));
  await admin.close();
  await member.close();
  await started.stop();
  await rm(started.dataDir, { recursive: true, force: true });
  return { ...ms, permsValidateOnlyOpsPerSec: validateOnlyOpsPerSec(tree), permsDepth: tree.depth, permsRules: tree.rules };
}

function nodeSigner(key: KeyObject): Signer {
  return { kind: 'noble', publicKey: rawPublicKeyOf(key), sign: async (m) => new Uint8Array(sign(null, m, key)) };
}

async function offlineSync(): Promise<number> {
  const started = await startRelay({ dataDir: await makeDataDir() });
  const key = generateKey();
  const store = new RoomTreeStore({ cache: memoryTreeCache(), signer: nodeSigner(key), now: () => Date.now(), verify: verifyEd25519, onChange: () => {} });
  const connect = async () => {
    const c = await connectClient(started.relay.wsUrl, { name: 'Offline admin', key, invite: started.relay.bootstrapInvite!, timeoutMs: 60_000 });
    c.socket.tap((m) => {
      if (m.case === 'crdtSync' || m.case === 'opResults') store.handle(m);
    });
    await store.connected(c.hello.relayPublicKey, 'admin', (msg) => {
      if (!c.socket.isOpen) return false;
      c.send(msg);
      return true;
    });
    return c;
  };
  const first = await connect();
  while (store.view.status !== 'live') await new Promise((r) => setTimeout(r, 5));
  first.socket.terminate();
  store.disconnected();
  for (let i = 0; i < 1000; i++) {
    await store.edit({ kind: 'room.create', args: { roomId: `o${i}`, parentId: 'root', name: `Offline ${i}`, index: 9999, description: '', userLimit: 0 } });
  }
  if (store.view.pendingCount !== 1000) throw new Error(`expected 1000 queued ops, have ${store.view.pendingCount}`);
  const t0 = performance.now();
  const again = await connect();
  await new Promise<void>((resolve) => {
    const check = (): void => (store.view.pendingCount === 0 ? resolve() : void setTimeout(check, 1));
    check();
  });
  const ms = performance.now() - t0;
  if (store.view.refused.length > 0) throw new Error(`offline ops refused: ${store.view.refused[0]!.why}`);
  await again.close();
  store.close();
  await started.cleanup();
  return Math.round(ms);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const size = await throughputAndSize();
  const offlineSync1000Ms = await offlineSync();
  const perms = await permsScenario();
  const result = { ...size, offlineSync1000Ms, ...perms, rooms: ROOMS, renames: RENAMES, node: process.version };
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
