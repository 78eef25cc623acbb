/**
 * `npm run bench:fanout -- [--channels K] [--messages M]`: what one
 * node-datachannel sender can do at best, without any Parley code, so the
 * relay's figures (bench:relay) can be read against the library's ceiling.
 *
 * The sender (this process) answers K PeerConnections opened by a receivers
 * process, then sends 100-byte messages in four patterns and reports its CPU
 * per message, the receivers' CPU per message, what arrived, and how long one
 * send call takes on the sender's thread:
 * - `fanOut`: one message to each of the K channels per round: a relay
 *   forwarding one voice frame to K listeners (one SCTP packet, one DTLS
 *   record and one `sendto` per message);
 * - `threePerChannel`: three back-to-back messages to each channel per round
 *   (three talkers' frames reaching one listener at once, sent separately);
 * - `oneLargerPerChannel`: one 300-byte message per channel per round (those
 *   three frames sent as one datagram);
 * - `oneChannel`: every message to one channel (SCTP may put several in one
 *   packet): the pattern behind "~245,000 messages/s between two peers".
 * Prints one JSON object on stdout.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import nodeDataChannel from 'node-datachannel';
import type { DataChannel, PeerConnection } from 'node-datachannel';
import { machineInfo } from '../relay/report.ts';
import { cpuSeconds } from '../relay/proc-stats.ts';
import type { FromReceivers, ToReceivers } from './ipc.ts';

const { values } = parseArgs({ options: { channels: { type: 'string' }, messages: { type: 'string' } } });
const K = Math.max(1, Number(values.channels ?? 50));
const MESSAGES = Math.max(K, Number(values.messages ?? 60_000));
/** Pause between rounds: lets the receivers drain so every pattern runs unsaturated. */
const ROUND_GAP_MS = 2;
/** A round never leaves more than this queued in one channel (bytes). */
const MAX_BUFFERED = 64 * 1024;

interface PatternResult {
  readonly messages: number;
  readonly delivered: number;
  readonly senderUsPerMessage: number;
  readonly receiverUsPerMessage: number;
  /** Wall time of one send call on the sender's thread, median over rounds (µs). */
  readonly sendCallUs: number;
  /** Messages/s one sender core would manage at this CPU cost. */
  readonly perCoreCeiling: number;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;
const progress = (line: string): void => void process.stderr.write(`[bench:fanout] ${line}\n`);

const child = fork(fileURLToPath(new URL('./receivers.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
const toChild = (msg: ToReceivers): void => void child.send(msg);
const waiters: ((m: FromReceivers) => boolean)[] = [];
const peers = new Map<number, PeerConnection>();
const channels: DataChannel[] = [];
let onAllOpen: () => void = () => {};

child.on('message', (msg: FromReceivers) => {
  if (msg.type === 'offer') {
    const pc = new nodeDataChannel.PeerConnection(`tx-${msg.index}`, { iceServers: [] });
    peers.set(msg.index, pc);
    pc.onLocalDescription((sdp, type) => toChild({ type: 'answer', index: msg.index, sdp, sdpType: type }));
    pc.onLocalCandidate((candidate, mid) => toChild({ type: 'candidate', index: msg.index, candidate, mid }));
    pc.onDataChannel((dc) => {
      const ready = (): void => {
        channels.push(dc);
        if (channels.length === K) onAllOpen();
      };
      if (dc.isOpen()) ready();
      else dc.onOpen(ready);
    });
    pc.setRemoteDescription(msg.sdp, msg.sdpType);
    return;
  }
  if (msg.type === 'candidate') {
    peers.get(msg.index)?.addRemoteCandidate(msg.candidate, msg.mid);
    return;
  }
  const i = waiters.findIndex((w) => w(msg));
  if (i >= 0) waiters.splice(i, 1);
});

function next<T extends FromReceivers['type']>(type: T): Promise<Extract<FromReceivers, { type: T }>> {
  return new Promise((resolve) => {
    waiters.push((m) => {
      if (m.type !== type) return false;
      resolve(m as Extract<FromReceivers, { type: T }>);
      return true;
    });
  });
}

async function received(): Promise<number> {
  const reply = next('count');
  toChild({ type: 'count' });
  return (await reply).received;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `perChannel` messages of `size` bytes to each channel per round (all to channel 0 when `oneChannel`) until `total` are sent. */
async function pattern(name: string, total: number, size: number, perChannel: number, oneChannel: boolean): Promise<PatternResult> {
  const msg = Buffer.alloc(size, 0x5a);
  const before = await received();
  const rxCpu0 = cpuSeconds(child.pid!);
  const cpu0 = process.cpuUsage();
  const callTimes: number[] = [];
  let sent = 0;
  while (sent < total) {
    const t0 = performance.now();
    let calls = 0;
    for (let c = 0; c < K && sent < total; c++) {
      const dc = oneChannel ? channels[0]! : channels[c]!;
      for (let j = 0; j < perChannel && sent < total; j++) {
        dc.sendMessageBinary(msg);
        sent++;
        calls++;
      }
    }
    callTimes.push(((performance.now() - t0) * 1000) / calls);
    await pause(ROUND_GAP_MS);
    while (channels.some((dc) => dc.bufferedAmount() > MAX_BUFFERED)) await pause(1);
  }
  const cpu = process.cpuUsage(cpu0);
  // Let the last round arrive; the receivers' count only moves forward.
  let delivered = (await received()) - before;
  for (let i = 0; i < 50 && delivered < sent; i++) {
    await pause(20);
    delivered = (await received()) - before;
  }
  const rxCpu = cpuSeconds(child.pid!) - rxCpu0;
  callTimes.sort((a, b) => a - b);
  const senderUs = (cpu.user + cpu.system) / sent;
  const result: PatternResult = {
    messages: sent,
    delivered,
    senderUsPerMessage: round2(senderUs),
    receiverUsPerMessage: round2((rxCpu * 1e6) / Math.max(1, delivered)),
    sendCallUs: round2(callTimes[Math.floor(callTimes.length / 2)] ?? 0),
    perCoreCeiling: Math.round(1e6 / senderUs),
  };
  progress(`${name}: ${JSON.stringify(result)}`);
  return result;
}

async function main(): Promise<void> {
  const machine = machineInfo();
  await next('ready');
  const allOpen = new Promise<void>((resolve) => (onAllOpen = resolve));
  toChild({ type: 'open', k: K });
  await allOpen;
  progress(`${K} channels open`);
  await pattern('warm-up', Math.min(MESSAGES, 10 * K), 100, 1, false);
  const fanOut = await pattern('fanOut', MESSAGES, 100, 1, false);
  const threePerChannel = await pattern('threePerChannel', MESSAGES, 100, 3, false);
  const oneLargerPerChannel = await pattern('oneLargerPerChannel', MESSAGES, 300, 1, false);
  const oneChannel = await pattern('oneChannel', MESSAGES, 100, 1, true);
  machine.loadavgEnd = (await import('node:os')).loadavg().map(round2);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'fanout',
      machine,
      channels: K,
      fanOut,
      threePerChannel,
      oneLargerPerChannel,
      oneChannel,
      bundlingGain: round2(fanOut.senderUsPerMessage / (oneLargerPerChannel.senderUsPerMessage / 3)),
      note: 'CPU per message on the sending side is what a relay pays per forwarded copy at best; perCoreCeiling = 1e6 / senderUsPerMessage. bundlingGain: copies per sender CPU when three 100-byte frames to one listener go as one 300-byte datagram instead of three.',
    })}\n`,
  );
  toChild({ type: 'exit' });
  for (const pc of peers.values()) pc.close();
  process.exit(0);
}

main().catch((error: unknown) => {
  console.error(error);
  child.kill();
  process.exit(1);
});
