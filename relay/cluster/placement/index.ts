/**
 * Room placement in a cluster (docs/CLUSTER.md "Room placement", decisions
 * D123, D124): the wiring of room-placement.ts to this relay's presence,
 * sessions, relay directory and the room-lease bucket. Cluster.attach starts it.
 */
import type { Kvm } from '@nats-io/kv';
import type { TypedEmitter } from '../../../proto/typed-emitter.ts';
import type { RelayEvents } from '../../events.ts';
import type { Presence } from '../../presence/presence.ts';
import type { Roster } from '../../presence/roster.ts';
import { LOBBY_ID } from '../../presence/rooms.ts';
import { TEMP_VOICE_BASE } from '../../temp-rooms/temp-registry.ts';
import type { ClusterNames, ResolvedClusterOptions } from '../options.ts';
import { openRoomLeases } from './room-leases.ts';
import { RoomPlacement } from './room-placement.ts';

export { RoomPlacement } from './room-placement.ts';
export type { PlacementStats } from './room-placement.ts';

/** What placement reads of the rest of the relay. */
export interface PlacementWiring {
  readonly kvm: Kvm;
  readonly names: ClusterNames;
  readonly options: ResolvedClusterOptions;
  readonly roster: Roster;
  /** The presence registry: this relay's users and the other relays' (shown through the roster). */
  readonly presence: Presence;
  /** The relay of a user of another relay (presence-sync.ts); undefined for a local user. */
  readonly relayOf: (sessionId: number) => string | undefined;
  /** A live relay's public URL ('' or undefined: none). */
  readonly urlOf: (relayId: string) => string | undefined;
  readonly events: TypedEmitter<RelayEvents>;
}

/**
 * The lobby is not placed (everyone lands there at sign-in: placing it would
 * put the whole organisation on one relay), nor are temporary rooms (they live
 * on the relay that made them); every other room of the tree is.
 */
function placedVoiceId(presence: Presence, roomId: string): number | undefined {
  if (roomId === LOBBY_ID) return undefined;
  const voiceId = presence.roomInfo(roomId)?.voiceId ?? 0;
  return voiceId > 0 && voiceId < TEMP_VOICE_BASE ? voiceId : undefined;
}

/** Opens the room-lease bucket and starts placement; a join or sign-in runs a round at once. */
export async function startRoomPlacement(w: PlacementWiring): Promise<RoomPlacement> {
  const ttlMs = w.options.leaseTtlMs;
  const leases = await openRoomLeases(w.kvm, w.names.roomLeaseBucket, ttlMs, w.options.replicas);
  const placement = await RoomPlacement.start({
    relayId: w.options.relayId,
    ttlMs,
    leases,
    presence: {
      members: () => w.presence.members(),
      relayOf: w.relayOf,
      voiceIdOf: (roomId) => placedVoiceId(w.presence, roomId),
      session: (id) => w.roster.sessionById(id),
    },
    urlOf: w.urlOf,
    now: Date.now,
    onError: (where, error) => w.events.emit('internal-error', { where, error }),
  });
  const soon = (): void => placement.soon();
  w.events.on('room-changed', soon);
  w.events.on('authenticated', soon);
  return placement;
}
