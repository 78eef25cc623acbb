/**
 * Which voice plane a relay runs: worker processes (`voiceWorkers` > 0) or
 * this process. In a cluster the cross-relay bridge
 * (relay/cluster/cross-voice.ts) stays in this process either way: the
 * in-process plane's router gets it as its remote fan-out; with workers, the
 * link gateway (workers/link-gateway.ts) is the workers' loopback peer that
 * feeds it and is fed by it (decisions D128).
 */
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock, RelayLimits, RtcOptions } from '../options.ts';
import type { Presence, VoiceRoute } from '../presence/presence.ts';
import type { DropStats } from '../stats.ts';
import { VoicePeers } from './peers.ts';
import type { VoicePlane, VoicePlaneOutput } from './plane.ts';
import { VoiceRouter } from './router.ts';
import { LinkGateway, VoiceWorkerPool } from './workers/index.ts';
import type { LinkBridge } from './workers/index.ts';

/** Where frames from other relays are fanned out: the router, or the link gateway to the workers. */
export interface FrameDelivery {
  deliver(sender: number, route: VoiceRoute, downlink: Uint8Array): void;
}

/** The cluster's bridge: a remote fan-out that also delivers what arrives from other relays. */
export interface BoundFanOut extends LinkBridge {
  bind(delivery: FrameDelivery): void;
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
  /** In a cluster: makes the bridge to other relays. */
  readonly crossRelay?: () => BoundFanOut;
}

/** Starts the voice plane the options ask for. */
export async function startVoicePlane(d: VoicePlaneDeps): Promise<VoicePlane> {
  const { limits, rtc, presence, output, stats, events, clock } = d;
  if (d.workers > 0) {
    const cross = d.crossRelay?.();
    const gateway = cross
      ? await LinkGateway.start({ workers: d.workers, bridge: cross, onError: (where, error) => events.emit('internal-error', { where, error }) })
      : undefined;
    if (gateway) cross!.bind(gateway);
    return VoiceWorkerPool.start({ count: d.workers, limits, rtc, presence, output, stats, events, ...(gateway ? { gateway } : {}) });
  }
  const cross = d.crossRelay?.();
  const router = new VoiceRouter({ directory: presence, stats, clock, limits, ...(cross ? { remote: cross } : {}) });
  cross?.bind(router);
  return new VoicePeers({ router, rtc, output, onError: (where, error) => events.emit('internal-error', { where, error }) });
}
