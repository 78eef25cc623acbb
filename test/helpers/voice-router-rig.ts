/**
 * A VoiceRouter with real Presence and DropStats and recording sinks in place
 * of DataChannels (the sink is the edge to node-datachannel), an injected
 * clock, and I/O turns the test ends by hand.
 */
import { Role } from '../../proto/index.ts';
import { DropStats, Presence, SEED_ROOMS, TypedEmitter, VoiceRouter } from '../../relay/index.ts';
import type { Clock, DatagramSink, RelayEvents } from '../../relay/index.ts';

/** Records what the router sent; can act buffered, closed or failing. */
export class RecordingSink implements DatagramSink {
  readonly sent: Uint8Array[] = [];
  open = true;
  buffered = 0;
  failSend = false;
  /** Every send stays buffered (a listener that stopped reading): `buffered` grows by its size. */
  stalled = false;
  sendMessageBinary(bytes: Uint8Array): boolean {
    // node-datachannel throws on a closed channel, and returns false when it had to buffer.
    if (this.failSend || !this.open) throw new Error('DataChannel is closed');
    this.sent.push(bytes);
    if (this.stalled) this.buffered += bytes.byteLength;
    return this.buffered === 0;
  }
  bufferedAmount(): number {
    return this.buffered;
  }
  isOpen(): boolean {
    return this.open;
  }
}

type RigLimits = Partial<{ datagramBurst: number; datagramPerSecond: number; sendBufferCap: number; maxDatagramAgeMs: number }>;

/** Builds a router; `join(id, room, { bundles })` adds a session with a recording sink; `endTurn()` runs what waits for the turn's end. */
export function routerRig(limits: RigLimits = {}) {
  let now = 1_000;
  const clock: Clock = { now: () => now };
  const events = new TypedEmitter<RelayEvents>();
  const stats = new DropStats(events);
  const presence = new Presence(SEED_ROOMS);
  const turnEnds: (() => void)[] = [];
  const router = new VoiceRouter({
    directory: presence,
    stats,
    clock,
    limits: { datagramBurst: 100, datagramPerSecond: 150, sendBufferCap: 64 * 1024, maxDatagramAgeMs: 60, ...limits },
    afterTurn: (fn) => void turnEnds.push(fn),
  });
  const sinks = new Map<number, RecordingSink>();
  function join(sessionId: number, roomId: string, options: { bundles?: boolean } = {}): RecordingSink {
    presence.add({ sessionId, publicKey: new Uint8Array(32), displayName: `u${sessionId}`, roomId, muted: false, deafened: false, role: Role.MEMBER });
    const sink = new RecordingSink();
    router.attach(sessionId, sink, options);
    sinks.set(sessionId, sink);
    return sink;
  }
  /** Ends the current I/O turn; returns how many end-of-turn callbacks ran. */
  function endTurn(): number {
    const due = turnEnds.splice(0);
    for (const fn of due) fn();
    return due.length;
  }
  return { clock, advance: (ms: number) => (now += ms), stats, presence, router, join, sinks, endTurn };
}
