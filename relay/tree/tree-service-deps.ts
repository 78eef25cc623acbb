/**
 * What a `TreeService` is given: the stores, planes and limits the room
 * tree works with, injected by relay/create-relay.ts.
 */
import type { Actor } from '../../crdt/index.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { Clock, RelayLimits } from '../options.ts';
import type { Presence } from '../presence/presence.ts';
import type { Roster } from '../presence/roster.ts';
import type { DropStats } from '../stats.ts';
import type { Store } from '../storage/store.ts';
import type { Visibility } from '../visibility/visibility.ts';
import type { TreeReplication } from './replication.ts';
import type { SignatureVerifier } from './signature-pool.ts';

/** The relay limits the tree uses: the op budget per identity key, how long verdicts are kept, when the membership document starts over. */
export type OpLimits = Pick<RelayLimits, 'opBurst' | 'opPerSecond' | 'verdictRetentionMs' | 'membersCompactAfterDeletes' | 'treeEpochAfterDeletes' | 'freeVerdictsPerKey' | 'freeVerdictsTotal'>;

/** Dependencies of a `TreeService`. */
export interface TreeServiceDeps {
  readonly store: Store;
  readonly presence: Presence;
  readonly roster: Roster;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly clock: Clock;
  readonly relayKey: Uint8Array;
  readonly serverName: string;
  readonly actorOf: (keyHex: string) => Actor | null;
  readonly limits: OpLimits;
  /** Checks a frame's signatures ahead of the pipeline (the relay owns and closes it). */
  readonly verifier: SignatureVerifier;
  /** Bytes of sync data one CrdtSync frame may carry; longer messages go in chunks (proto/sync-chunks.ts). */
  readonly pageBytes: number;
  /** Visibility classes: who is served which projection of the documents (relay/visibility/). */
  readonly visibility: Visibility;
  /** In a cluster (relay/cluster/): the shared log. Absent: this relay alone decides. */
  readonly replication?: TreeReplication;
}
