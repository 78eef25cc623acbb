/**
 * Who may enter, and as what. Runs after the signature and password have
 * been checked, so everything here is about a key that proved itself:
 *
 *   1. a ban in force refuses (BANNED, with its end time);
 *   2. an invite that would raise the key's role is verified and, if good,
 *      grants that role (its use is counted when the admission is applied);
 *   3. a stored role admits as that role;
 *   4. otherwise the key is a guest if the guest policy allows, else it is
 *      refused with NOT_INVITED.
 *
 * `decideAdmission` only reads; `applyAdmission` writes. The handshake calls
 * both in one tick, so two connections racing for the last use of an invite
 * cannot both win.
 */
import { decodeInvite, ErrorCode, inviteSigningBytes, Role } from '../../proto/index.ts';
import type { Invite } from '../../proto/index.ts';
import { verifyEd25519 } from './ed25519.ts';
import type { AccessChange, AccessRecords, InviteRecord, StoredRole } from './records.ts';
import { storedRole, wireRole } from './records.ts';
import { sameBytes, toHex } from '../../proto/bytes.ts';

/**
 * Whether keys without a stored role get in as guests. `auto` (the default):
 * yes while the relay has no admin (a fresh install just works), no once an
 * admin exists (an organisation's relay is members-only, entered by invite).
 */
export type GuestPolicy = 'auto' | 'allow' | 'deny';

/** A refusal with the wire code, a detail for logs, and the end of a temporary refusal. */
export interface AccessRefusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly detail: string;
  readonly untilMs?: number;
}

/** The outcome of an admission check. */
export type Admission =
  | { readonly ok: true; readonly role: Role; readonly grant?: { readonly invite: Invite; readonly idHex: string; readonly role: StoredRole } }
  | AccessRefusal;

/** What an admission is decided against. */
export interface AdmissionContext {
  readonly relayPublicKey: Uint8Array;
  readonly guests: GuestPolicy;
  readonly records: AccessRecords;
  readonly now: number;
}

const RANK: Record<Role, number> = { [Role.UNSPECIFIED]: 0, [Role.GUEST]: 1, [Role.MEMBER]: 2, [Role.ADMIN]: 3 };

function refuse(code: ErrorCode, detail: string, untilMs?: number): AccessRefusal {
  return untilMs === undefined ? { ok: false, code, detail } : { ok: false, code, detail, untilMs };
}



/** True when keys without a role are admitted as guests right now. */
export function guestsAllowed(policy: GuestPolicy, records: AccessRecords): boolean {
  return policy === 'allow' || (policy === 'auto' && records.adminCount() === 0);
}

/**
 * Checks a signed invite against this relay: layout, relay key, signature,
 * issuer still an admin (or the relay itself while no admin exists: the
 * bootstrap invite), revocation, expiry, uses. Never throws.
 */
export function verifyInvite(bytes: Uint8Array, ctx: AdmissionContext): { ok: true; invite: Invite; idHex: string; record: InviteRecord | undefined } | AccessRefusal {
  const decoded = decodeInvite(bytes);
  if (!decoded.ok) return refuse(ErrorCode.INVITE_INVALID, `invite does not parse (${decoded.error.code})`);
  const invite = decoded.value;
  if (!sameBytes(invite.relayPublicKey, ctx.relayPublicKey)) return refuse(ErrorCode.INVITE_INVALID, 'invite is for another relay');
  if (!verifyEd25519(invite.issuerKey, inviteSigningBytes(invite), invite.signature)) {
    return refuse(ErrorCode.INVITE_INVALID, 'invite signature does not verify');
  }
  const { records, now } = ctx;
  if (sameBytes(invite.issuerKey, ctx.relayPublicKey)) {
    // The relay signs only its bootstrap invite, which stops working once someone holds admin.
    if (records.adminCount() > 0) return refuse(ErrorCode.INVITE_INVALID, 'bootstrap invite is void: the relay has an admin');
  } else if (records.role(toHex(invite.issuerKey))?.role !== 'admin') {
    return refuse(ErrorCode.INVITE_INVALID, 'invite issuer is not an admin');
  }
  const idHex = toHex(invite.id);
  const record = records.invite(idHex);
  if (record?.revoked) return refuse(ErrorCode.INVITE_REVOKED, 'invite was revoked');
  if (invite.expiresAtMs !== 0 && invite.expiresAtMs <= now) return refuse(ErrorCode.INVITE_EXPIRED, 'invite expired', invite.expiresAtMs);
  if (invite.maxUses !== 0 && (record?.uses ?? 0) >= invite.maxUses) return refuse(ErrorCode.INVITE_USED_UP, 'invite has no uses left');
  return { ok: true, invite, idHex, record };
}

/** Decides whether `publicKey` (already authenticated) gets in, and with which role. */
export function decideAdmission(publicKey: Uint8Array, inviteBytes: Uint8Array, ctx: AdmissionContext): Admission {
  const keyHex = toHex(publicKey);
  const ban = ctx.records.activeBan(keyHex, ctx.now);
  if (ban) return refuse(ErrorCode.BANNED, ban.reason ? `banned: ${ban.reason}` : 'banned', ban.untilMs);
  const current = wireRole(ctx.records.role(keyHex)?.role);
  if (inviteBytes.byteLength > 0) {
    const decoded = decodeInvite(inviteBytes);
    // An invite that would not raise the role is ignored: a member re-opening an old link just gets in.
    const raises = decoded.ok ? RANK[decoded.value.role] > RANK[current] : current === Role.GUEST;
    if (raises) {
      const checked = verifyInvite(inviteBytes, ctx);
      if (!checked.ok) return checked;
      const role = storedRole(checked.invite.role);
      if (role) return { ok: true, role: checked.invite.role, grant: { invite: checked.invite, idHex: checked.idHex, role } };
    }
  }
  if (current !== Role.GUEST) return { ok: true, role: current };
  if (guestsAllowed(ctx.guests, ctx.records)) return { ok: true, role: Role.GUEST };
  return refuse(ErrorCode.NOT_INVITED, 'this relay is members-only: an invite is needed');
}

/** What an admission granted, as record changes: the role and one use of the invite (none without a grant). */
export function admissionChanges(publicKey: Uint8Array, admission: Admission, records: AccessRecords, now: number): AccessChange[] {
  if (!admission.ok || !admission.grant) return [];
  const { invite, idHex, role } = admission.grant;
  const record = records.invite(idHex);
  const next: InviteRecord = {
    role,
    expiresAtMs: invite.expiresAtMs,
    maxUses: invite.maxUses,
    issuerHex: toHex(invite.issuerKey),
    uses: (record?.uses ?? 0) + 1,
    revoked: false,
    createdAtMs: record?.createdAtMs ?? now,
  };
  return [
    { kind: 'invite', idHex, record: next },
    { kind: 'role', keyHex: toHex(publicKey), record: { role, grantedAtMs: now, grantedBy: `invite:${idHex}` } },
  ];
}

/** Writes what an admission granted: the role and one use of the invite. Resolves when durable. */
export async function applyAdmission(publicKey: Uint8Array, admission: Admission, records: AccessRecords, now: number): Promise<void> {
  // Both writes enter the store's queue now, in this tick: the next admission sees the new count.
  await records.apply(admissionChanges(publicKey, admission, records, now));
}
