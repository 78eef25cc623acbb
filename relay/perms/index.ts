/**
 * Per-room permissions in the relay (issue 15): the permission service and
 * the enforcement points built on it, wired to the relay's events in one
 * place so `createRelay` adds a single object. See docs/ARCHITECTURE.md,
 * "Permissions in the relay", and docs/PERMISSIONS.md, "How the relay enforces".
 */
import type { RoomRecord } from '../../crdt/index.ts';
import type { JoinRoom, Role } from '../../proto/index.ts';
import { toHex } from '../../proto/bytes.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { AddressLockout } from '../access/lockout.ts';
import type { ChatPolicy } from '../chat/authorize.ts';
import type { Session } from '../connection/client-connection.ts';
import type { RelayEvents } from '../events.ts';
import type { Presence } from '../presence/presence.ts';
import type { DropStats } from '../stats.ts';
import { adminPermit, moveUserHandler } from './admin-permissions.ts';
import { chatDenialOf, chatPolicyOf } from './chat-permissions.ts';
import { filePolicyOf } from './file-permissions.ts';
import type { FilePolicy } from '../files/file-policy.ts';
import { PermissionService } from './permission-service.ts';
import type { PermsRoster } from './permission-service.ts';
import { RoomEntry } from './room-entry.ts';
import type { RoomInvites } from './room-invites.ts';
import type { RoomPasswords } from './room-passwords.ts';
import { RoomTokens } from './room-tokens.ts';
import type { SharedTokens } from './room-tokens.ts';

export { PermissionService, permRole } from './permission-service.ts';
export type { Denial } from './denial.ts';
export { RoomPasswords } from './room-passwords.ts';
export { RoomInvites } from './room-invites.ts';
export { RoomTokens } from './room-tokens.ts';
export type { SharedTokens, TokenAnswer, TokenChange } from './room-tokens.ts';

/** Dependencies of {@link createPermissions}. */
export interface PermissionsDeps {
  /** Room password hashes and grants (opened early: the tree's actors carry the grants too). */
  readonly passwords: RoomPasswords;
  readonly presence: Presence;
  readonly roster: PermsRoster;
  readonly events: TypedEmitter<RelayEvents>;
  readonly lockout: AddressLockout;
  readonly stats: DropStats;
  /** The rooms loaded at start (the tree service is attached later, {@link Permissions.attachTree}). */
  readonly initialRooms: readonly RoomRecord[];
  /** Signed room invites' use counts. */
  readonly invites: RoomInvites;
  readonly relayPublicKey: Uint8Array;
  readonly now: () => number;
  /** The role the relay's records give a key (null: never signed in here). */
  readonly roleOfKey: (keyHex: string) => Role | null;
  /** Rooms evaluated beside the tree's: the temporary rooms (relay/temp-rooms/), never stored. */
  readonly extraRooms?: () => readonly RoomRecord[];
  /** Cluster: room passwords, grants and room invite uses go through the writer (relay/cluster/shared-state.ts). */
  readonly shared?: SharedTokens;
}

/** What the relay wires in. */
export interface Permissions {
  readonly service: PermissionService;
  /** Token-group decisions and changes (the cluster's writer judges and every relay applies with these). */
  readonly tokens: RoomTokens;
  readonly chatPolicy: ChatPolicy;
  /** Who may share files in a room (`share-files`). */
  readonly filePolicy: FilePolicy;
  readonly chatExplain: ReturnType<typeof chatDenialOf>;
  readonly adminPermit: ReturnType<typeof adminPermit>;
  readonly moveUser: ReturnType<typeof moveUserHandler>;
  /** Gives the service the live tree and the join to run once a JoinRoom is allowed. */
  attachTree(tree: { readonly rooms: ReadonlyMap<string, RoomRecord> }, join: (session: Session, msg: JoinRoom) => void): void;
  /** The JoinRoom handler (checks, then the join). */
  readonly joinRoom: (session: Session, msg: JoinRoom) => void;
  /** The SetRoomPassword handler. */
  readonly setRoomPassword: RoomEntry['setPassword'];
  /** The RedeemRoomInvite handler. */
  readonly redeemRoomInvite: RoomEntry['redeemInvite'];
}

/** The tree's rooms plus `extra` (the same map when there are none: the common case allocates nothing). */
function withExtra(rooms: ReadonlyMap<string, RoomRecord>, extra: readonly RoomRecord[]): ReadonlyMap<string, RoomRecord> {
  if (extra.length === 0) return rooms;
  const out = new Map(rooms);
  for (const r of extra) out.set(r.id, r);
  return out;
}

/** Builds the permission service and its enforcement points, and subscribes it to presence and tree events. */
export function createPermissions(deps: PermissionsDeps): Permissions {
  const { presence, roster, events } = deps;
  const initial = new Map(deps.initialRooms.map((r) => [r.id, r]));
  let tree: { readonly rooms: ReadonlyMap<string, RoomRecord> } = { rooms: initial };
  let join: (session: Session, msg: JoinRoom) => void = () => {};
  const { passwords } = deps;
  const service = new PermissionService({ presence, roster, events, rooms: () => withExtra(tree.rooms, deps.extraRooms?.() ?? []), passwordGroupsOf: (k) => passwords.grantsOf(k) });
  const onError = (where: string, error: unknown): void => events.emit('internal-error', { where, error });
  const { invites, relayPublicKey, now, roleOfKey } = deps;
  const tokens = new RoomTokens({ perms: service, passwords, invites, relayPublicKey, now, roleOfKey });
  const entry = new RoomEntry({
    perms: service, presence, passwords, lockout: deps.lockout, stats: deps.stats, proceed: (s, m) => join(s, m), onError, invites, relayPublicKey, now, tokens,
    ...(deps.shared ? { shared: deps.shared } : {}),
  });

  events.on('authenticated', (e) => service.refresh(e.sessionId));
  events.on('room-changed', (e) => service.refresh(e.sessionId));
  events.on('role-changed', (e) => service.refresh(e.sessionId));
  events.on('tree-changed', (e) => service.treeChanged(e.rooms));
  events.on('connection-closed', (e) => {
    if (e.sessionId === undefined) return;
    const m = presence.member(e.sessionId);
    service.forget(e.sessionId, m ? toHex(m.publicKey) : undefined);
  });

  return {
    service,
    tokens,
    chatPolicy: chatPolicyOf(service),
    filePolicy: filePolicyOf(service),
    chatExplain: chatDenialOf(service),
    adminPermit: adminPermit(service),
    moveUser: moveUserHandler(service, presence, roster),
    attachTree(t, j) {
      tree = t;
      join = j;
      service.treeChanged();
    },
    joinRoom: (session, msg) => entry.joinRoom(session, msg),
    setRoomPassword: (session, msg) => entry.setPassword(session, msg),
    redeemRoomInvite: (session, msg) => entry.redeemInvite(session, msg),
  };
}
