/** Wire messages to the session's view types (plain data the UI renders). */
import { Role } from '../../proto/index.ts';
import type { AdminState, User } from '../../proto/index.ts';
import { toHex } from '../../keys/index.ts';
import type { BanView, InviteView, RoleName, UserView } from './state.ts';

/** The UI name of a wire role (unspecified reads as guest). */
export function roleName(role: Role): RoleName {
  return role === Role.ADMIN ? 'admin' : role === Role.MEMBER ? 'member' : 'guest';
}

/** The wire role of a UI name. */
export function wireRole(role: RoleName): Role {
  return role === 'admin' ? Role.ADMIN : role === 'member' ? Role.MEMBER : Role.GUEST;
}

export const toUserView = (u: User): UserView => ({
  sessionId: u.sessionId,
  publicKeyHex: toHex(u.publicKey),
  displayName: u.displayName,
  roomId: u.roomId,
  muted: u.muted,
  deafened: u.deafened,
  role: roleName(u.role),
  ...(u.suppressed ? { suppressed: true } : {}),
});

export function toAdminView(state: AdminState): { invites: InviteView[]; bans: BanView[] } {
  return {
    invites: state.invites.map((i) => ({
      idHex: toHex(i.id),
      role: roleName(i.role),
      expiresAtMs: Number(i.expiresAtMs),
      maxUses: i.maxUses,
      uses: i.uses,
      issuerHex: toHex(i.issuerKey),
      revoked: i.revoked,
    })),
    bans: state.bans.map((b) => ({
      publicKeyHex: toHex(b.publicKey),
      displayName: b.displayName,
      untilMs: Number(b.untilMs),
      reason: b.reason,
      bannedAtMs: Number(b.bannedAtMs),
    })),
  };
}

