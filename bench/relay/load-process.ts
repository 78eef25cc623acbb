/**
 * Child process: a load generator. Holds a share of the simulated users,
 * makes the speakers among them send real Opus at 50 packets/s (each with its
 * own random phase, as independent talkers have), and measures on the
 * receiving side: one-way delay from the send stamp, and how many packets
 * stamped inside the measurement window arrived.
 */
import { Histogram } from './histogram.ts';
import { reply } from './ipc.ts';
import type { LoadReply, LoadRequest, SimUser, TargetAddress } from './ipc.ts';
import { speechPackets } from './opus-fixture.ts';
import { nowUs, readStamp, stampedVoice } from './packet.ts';
import { connectSimUser } from './sim-users.ts';
import type { SimConnection } from './sim-users.ts';

const FRAME_US = 20_000;
const TS_PER_FRAME = 960;
/** A speaker this far behind its schedule skips ahead instead of bursting (the generator was starved). */
const MAX_CATCH_UP_US = 100_000;

interface Speaker {
  readonly conn: SimConnection;
  seq: number;
  ts: number;
  nextDueUs: number;
  sentInWindow: number;
}

const users = new Map<number, SimConnection>();
const delay = new Histogram();
let opus: Uint8Array[] = [];
let window = { from: Infinity, to: -Infinity };
let receivedInWindow = 0;
let lateTicks = 0;
let speakers: Speaker[] = [];
let timer: NodeJS.Timeout | undefined;

function onDatagram(d: Uint8Array): void {
  const stamp = readStamp(d);
  if (stamp >= window.from && stamp < window.to) {
    delay.record(nowUs() - stamp);
    receivedInWindow++;
  }
}

async function connect(target: TargetAddress, list: readonly SimUser[], concurrency: number, bundles: boolean): Promise<LoadReply> {
  if (opus.length === 0) opus = await speechPackets();
  let next = 0;
  const failedIds: number[] = [];
  let retries = 0;
  async function worker(): Promise<void> {
    while (next < list.length) {
      const user = list[next++]!;
      try {
        const conn = await connectSimUser(target, user, onDatagram, bundles);
        users.set(user.id, conn);
        retries += conn.retries;
      } catch (error) {
        failedIds.push(user.id);
        console.error(`load: user ${user.id} failed to connect: ${String(error)}`);
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return { type: 'connected', connected: list.length - failedIds.length, failedIds, retries };
}

function tick(stopUs: number): void {
  const now = nowUs();
  for (const s of speakers) {
    if (now - s.nextDueUs > MAX_CATCH_UP_US) {
      lateTicks++;
      s.nextDueUs = now;
    } else if (now - s.nextDueUs > 5_000) lateTicks++;
    while (s.nextDueUs <= now && s.nextDueUs < stopUs) {
      const sendUs = nowUs();
      s.conn.send(stampedVoice(s.seq, s.ts, opus[s.seq % opus.length]!, sendUs));
      if (sendUs >= window.from && sendUs < window.to) s.sentInWindow++;
      s.seq++;
      s.ts += TS_PER_FRAME;
      s.nextDueUs += FRAME_US;
    }
  }
  if (now >= stopUs) {
    clearInterval(timer);
    timer = undefined;
  }
}

function run(req: Extract<LoadRequest, { type: 'run' }>): LoadReply {
  window = { from: req.measureFromUs, to: req.measureToUs };
  receivedInWindow = 0;
  lateTicks = 0;
  delay.reset();
  speakers = [];
  for (const id of req.speakers) {
    const conn = users.get(id);
    if (!conn) continue;
    const seq = Math.floor(Math.random() * 1e6);
    speakers.push({ conn, seq, ts: seq * TS_PER_FRAME, nextDueUs: req.startUs + Math.random() * FRAME_US, sentInWindow: 0 });
  }
  if (timer) clearInterval(timer);
  timer = setInterval(() => tick(req.stopUs), 1);
  return { type: 'running' };
}

function collect(): LoadReply {
  const sentInWindow: Record<number, number> = {};
  for (const s of speakers) sentInWindow[s.conn.user.id] = s.sentInWindow;
  return { type: 'result', sentInWindow, receivedInWindow, delay: delay.toData(), lateTicks };
}

async function disconnect(ids: readonly number[]): Promise<LoadReply> {
  await Promise.all(
    ids.map(async (id) => {
      const conn = users.get(id);
      users.delete(id);
      await conn?.close().catch(() => {});
    }),
  );
  return { type: 'disconnected' };
}

async function handle(req: LoadRequest): Promise<void> {
  switch (req.type) {
    case 'connect':
      reply<LoadReply>(await connect(req.target, req.users, req.concurrency, req.bundles));
      return;
    case 'disconnect':
      reply<LoadReply>(await disconnect(req.ids));
      return;
    case 'run':
      reply<LoadReply>(run(req));
      return;
    case 'collect':
      reply<LoadReply>(collect());
      return;
    case 'exit':
      if (timer) clearInterval(timer);
      await disconnect([...users.keys()]);
      // No nodeDataChannel.cleanup(): with hundreds of channels just closed it can trip a
      // napi_release_threadsafe_function assertion (node-datachannel 0.33); exiting frees everything.
      process.exit(0);
  }
}

process.on('message', (req: LoadRequest) => {
  handle(req).catch((error: unknown) => reply<LoadReply>({ type: 'error', message: String(error) }));
});
reply<LoadReply>({ type: 'ready', pid: process.pid });
