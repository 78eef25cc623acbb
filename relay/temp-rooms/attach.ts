/**
 * Wires temporary rooms into a relay: builds the service and subscribes it to
 * the relay's events in one place (as relay/perms/index.ts does for the
 * permission service), so create-relay.ts only passes what it owns.
 */
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import { TempRoomService } from './temp-room-service.ts';
import type { TempRoomDeps } from './temp-room-service.ts';

/** Builds the {@link TempRoomService} and follows sign-ins, moves, disconnects, tree, rule, role and token-group changes. */
export function attachTempRooms(deps: TempRoomDeps & { readonly events: TypedEmitter<RelayEvents> }): TempRoomService {
  const { events, roster } = deps;
  const service = new TempRoomService(deps);
  events.on('authenticated', (e) => {
    const session = roster.sessionById(e.sessionId);
    if (session) service.sendTo(session);
  });
  events.on('room-changed', (e) => service.left(e.from));
  // Cluster: someone on another relay left one of this relay's rooms (presence here counts them).
  events.on('remote-left', (e) => service.left(e.from));
  events.on('connection-closed', (e) => {
    if (e.sessionId !== undefined) service.sweep();
  });
  // After the visibility classes have followed the change (as create-relay's onRoleApplied): lists are filtered with them.
  const listsChanged = (): void => queueMicrotask(() => service.treeChanged());
  events.on('tree-changed', listsChanged);
  events.on('role-changed', listsChanged);
  events.on('grants-changed', () => service.broadcast());
  return service;
}
