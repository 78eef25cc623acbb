/** How `createRelay` joins a cluster, and what it shows of it to the embedder. */
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import { RelayError } from '../errors.ts';
import type { RelayEvents } from '../events.ts';
import { Cluster } from './cluster.ts';
import type { ClusterRole, ClusterStatus } from './cluster-status.ts';
import type { CrossVoiceStats } from './cross-voice.ts';
import type { PlacementStats } from './placement/index.ts';
import type { ResolvedClusterOptions } from './options.ts';

/** `Relay.cluster`: this relay's part in its cluster. */
export interface ClusterHandle {
  readonly relayId: string;
  readonly name: string;
  /** `writer` (holds the lease, caught up), `follower`, or `unavailable` (NATS unreachable, or catching up to take over). */
  readonly role: ClusterRole;
  /** Voice between relays: frames sent and received, drops, open links (undefined until the voice plane starts). */
  voice(): CrossVoiceStats | undefined;
  /** Room placement on this relay: leases held, taken, given up, clients steered (null before it started). */
  placement(): PlacementStats | null;
  /**
   * Cuts this relay off NATS at once, as if its process died: the lease is
   * not given up (it expires), nothing more is appended. For failure tests
   * and drills; `close()` afterwards still closes the relay.
   */
  abort(): Promise<void>;
  /** This relay's view of the cluster (what /metrics shows). */
  status(): Promise<ClusterStatus>;
  /** State-log appends this relay made as the writer, and the entries in them (group commit, D136; the bench reads it). */
  stateAppends(): { readonly appends: number; readonly entries: number };
}

/** Connects to the cluster's NATS servers; rejects with `RelayError('cluster')` when they cannot be reached or set up. */
export async function joinCluster(options: ResolvedClusterOptions, events: TypedEmitter<RelayEvents>): Promise<Cluster> {
  try {
    return await Cluster.connect(options, events);
  } catch (error) {
    throw RelayError.cluster(`cannot join cluster ${options.name} [servers:${options.servers.join(',')}] [reason:${error instanceof Error ? error.message : String(error)}]`, error);
  }
}

/** The embedder's view of `cluster`. */
export function clusterHandle(cluster: Cluster, shared: { readonly appendStats: { readonly appends: number; readonly entries: number } }): ClusterHandle {
  return {
    relayId: cluster.options.relayId,
    name: cluster.options.name,
    get role() {
      return cluster.role;
    },
    voice: () => cluster.voice?.stats(),
    placement: () => cluster.placement(),
    abort: () => cluster.abort(),
    status: () => cluster.status(),
    stateAppends: () => shared.appendStats,
  };
}
