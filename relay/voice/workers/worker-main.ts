/**
 * Entry of a voice worker child process (forked by {@link VoiceWorkerPool}):
 * owns the PeerConnections placed on it ({@link VoicePeers}), a
 * {@link VoiceRouter} over a {@link VoiceMirror} of presence, and a loopback
 * UDP socket for room members on other workers. Everything it knows about
 * sessions arrives over IPC from the main process; it exits when that channel
 * closes, so a main process that dies leaves no worker behind.
 *
 * Loopback datagrams are the downlink bytes the sender's worker built
 * (`[0x02][sender][room voice id]...`), accepted only from the other
 * workers' ports, and fanned out to this worker's members of that room.
 */
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import nodeDataChannel from 'node-datachannel';
import { isForwarded, peekForwardedRoom, peekForwardedSender } from '../../../proto/index.ts';
import { TypedEmitter } from '../../../proto/typed-emitter.ts';
import type { RelayEvents } from '../../events.ts';
import { DropStats } from '../../stats.ts';
import type { DatagramDropReason } from '../../stats.ts';
import { VoicePeers } from '../peers.ts';
import { VoiceRouter } from '../router.ts';
import type { RemoteFanOut } from '../router.ts';
import { MAX_DROP_SAMPLES, parseToWorker } from './ipc.ts';
import type { FromWorker, ToWorker } from './ipc.ts';
import { VoiceMirror } from './voice-mirror.ts';
import type { MirrorRoom } from './voice-mirror.ts';

/** How often counters go to the main process (when they changed), ms. */
const STATS_INTERVAL_MS = 100;
const LOOPBACK = '127.0.0.1';

function send(msg: FromWorker): void {
  // The channel may be closing (main exited): the disconnect handler ends this process.
  if (process.connected) process.send?.(msg);
}

function fail(where: string, error: unknown): void {
  send({ t: 'error', where, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
}

function start(init: Extract<ToWorker, { t: 'init' }>): void {
  const self = init.index;
  const events = new TypedEmitter<RelayEvents>();
  const stats = new DropStats(events);
  let forwardedSent = 0;
  let bundledSent = 0;
  let drops: Partial<Record<DatagramDropReason, number>> = {};
  let samples: Array<[DatagramDropReason, number]> = [];
  let dirty = false;
  events.on('drop', (e) => {
    const reason = e.reason as DatagramDropReason;
    drops[reason] = (drops[reason] ?? 0) + 1;
    if (samples.length < MAX_DROP_SAMPLES) samples.push([reason, e.id]);
    dirty = true;
  });

  const mirror = new VoiceMirror(self);
  let peerPorts: readonly number[] = [];
  const socket = createSocket('udp4');
  // Routes come from the mirror, so they are MirrorRooms.
  const remote: RemoteFanOut = {
    wants: (route) => (route as MirrorRoom).remote.size > 0,
    forward: (route, downlink) => {
      for (const worker of (route as MirrorRoom).remote.keys()) {
        const port = peerPorts[worker];
        if (port) socket.send(downlink, port, LOOPBACK);
      }
    },
  };
  const router = new VoiceRouter({ directory: mirror, stats, clock: { now: () => Date.now() }, limits: init.limits, remote });
  const peers = new VoicePeers({
    router,
    rtc: init.rtc,
    onError: fail,
    output: {
      description: (s, o, type, sdp) => send({ t: 'description', s, o, type, sdp }),
      candidate: (s, o, candidate, mid) => send({ t: 'candidate', s, o, candidate, mid }),
      ready: (s) => send({ t: 'ready', s }),
      rejected: (s, what) => send({ t: 'rejected', s, what }),
      lost: () => {},
    },
  });

  socket.on('message', (bytes: Buffer, from: RemoteInfo) => {
    // Only the other workers may inject voice; anything else on loopback is ignored.
    if (from.address !== LOOPBACK || !peerPorts.includes(from.port) || from.port === peerPorts[self]) return;
    if (!isForwarded(bytes)) return;
    const sender = peekForwardedSender(bytes);
    const route = mirror.route(peekForwardedRoom(bytes));
    if (route) router.deliver(sender, route, bytes);
  });
  socket.on('error', (error) => fail('loopback socket', error));
  // Before the exit handler below: channels and PeerConnections close before cleanup() (rtc.ts).
  process.prependListener('disconnect', () => void peers.close());

  const timer = setInterval(() => {
    const snap = stats.snapshot();
    const forwarded = snap.forwarded - forwardedSent;
    const bundled = snap.bundled - bundledSent;
    if (!dirty && forwarded === 0) return;
    forwardedSent = snap.forwarded;
    bundledSent = snap.bundled;
    send({ t: 'stats', forwarded, bundled, drops, samples });
    drops = {};
    samples = [];
    dirty = false;
  }, STATS_INTERVAL_MS);
  timer.unref();

  process.on('message', (raw: unknown) => {
    const msg = parseToWorker(raw);
    if (!msg) return fail('ipc', new TypeError('malformed message from main'));
    try {
      switch (msg.t) {
        case 'init':
          return;
        case 'peers':
          peerPorts = msg.ports;
          return;
        case 'presence':
          mirror.presence(msg.s, msg.v, msg.m, msg.d);
          return;
        case 'placed':
          mirror.placed(msg.s, msg.w);
          return;
        case 'offer':
          peers.offer(msg.s, msg.sdp, msg.b, msg.o);
          return;
        case 'candidate':
          peers.candidate(msg.s, msg.candidate, msg.mid);
          return;
        case 'end':
          peers.end(msg.s);
          return;
        case 'sync':
          send({ t: 'synced', id: msg.id });
          return;
      }
    } catch (error) {
      fail(`ipc ${msg.t}`, error);
    }
  });

  socket.bind(0, LOOPBACK, () => send({ t: 'up', port: socket.address().port }));
}

// Exit with the main process: no orphan keeps UDP ports and PeerConnections.
process.on('disconnect', () => {
  nodeDataChannel.cleanup();
  process.exit(0);
});
process.once('message', (raw: unknown) => {
  const msg = parseToWorker(raw);
  if (msg?.t !== 'init') {
    fail('ipc', new TypeError('first message must be init'));
    process.exit(2);
  }
  start(msg);
});
