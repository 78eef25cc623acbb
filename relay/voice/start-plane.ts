/**
 * Which voice plane a relay runs: worker processes (`voiceWorkers` > 0) or
 * this process. In a cluster the in-process plane's router gets the
 * cross-relay bridge as its remote fan-out (relay/cluster/cross-voice.ts);
 * the workers are not joined to it, which the relay says at start.
 */
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock, RelayLimits, RtcOptions } from '../options.ts';
import type { Presence } from '../presence/presence.ts';
import type { DropStats } from '../stats.ts';
import { VoicePeers } from './peers.ts';
import type { VoicePlane, VoicePlaneOutput } from './plane.ts';
import { VoiceRouter } from './router.ts';
import type { RemoteFanOut } from './router.ts';
import { VoiceWorkerPool } from './workers/index.ts';

/** A remote fan-out that also delivers what arrives from elsewhere through the router (the cluster's bridge). */
export interface BoundFanOut extends RemoteFanOut {
  bind(router: VoiceRouter): void;
}

/** What {@link startVoicePlane} needs. */
export interface VoicePlaneDeps {
  readonly workers: number;
  readonly limits: RelayLimits;
  readonly rtc: RtcOptions;
  readonly presence: Presence;
  readonly output: VoicePlaneOutput;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly clock: Clock;
  /** In a cluster: makes the bridge to other relays (called for the in-process plane only). */
  readonly crossRelay?: () => BoundFanOut;
}

/** Starts the voice plane the options ask for. */
export async function startVoicePlane(d: VoicePlaneDeps): Promise<VoicePlane> {
  const { limits, rtc, presence, output, stats, events, clock } = d;
  if (d.workers > 0) {
    const pool = await VoiceWorkerPool.start({ count: d.workers, limits, rtc, presence, output, stats, events });
    if (d.crossRelay) events.emit('cluster-link-failed', { where: 'start', error: new Error('voice workers are on: users of other relays are not heard (--voice-workers 0 for voice between relays)') });
    return pool;
  }
  const cross = d.crossRelay?.();
  const router = new VoiceRouter({ directory: presence, stats, clock, limits, ...(cross ? { remote: cross } : {}) });
  cross?.bind(router);
  return new VoicePeers({ router, rtc, output, onError: (where, error) => events.emit('internal-error', { where, error }) });
}
