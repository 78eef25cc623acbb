/**
 * The bootstrap invite: while a relay has no admin, it signs a one-use admin
 * invite with its own key and prints the link, so whoever started it can
 * claim it from a browser. The relay's signature is accepted only while no
 * admin exists (see admission.ts), so the link dies as soon as anyone holds
 * admin, used or not.
 */
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { encodeInvite, INVITE_ID_BYTES, inviteSigningBytes, Role } from '../../proto/index.ts';
import type { InviteFields } from '../../proto/index.ts';

/** How long a printed bootstrap link stays valid; a restart prints a fresh one. */
export const BOOTSTRAP_INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

/** A fresh bootstrap invite (158 bytes) signed by the relay's key. */
export function createBootstrapInvite(relay: { readonly publicKey: Uint8Array; readonly privateKey: KeyObject }, now: number): Uint8Array {
  const fields: InviteFields = {
    relayPublicKey: relay.publicKey,
    id: new Uint8Array(randomBytes(INVITE_ID_BYTES)),
    role: Role.ADMIN,
    expiresAtMs: now + BOOTSTRAP_INVITE_TTL_MS,
    maxUses: 1,
    issuerKey: relay.publicKey,
  };
  const signature = new Uint8Array(sign(null, inviteSigningBytes(fields), relay.privateKey));
  return encodeInvite({ ...fields, signature });
}
