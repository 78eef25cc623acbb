/**
 * Invites and admin requests for relay tests: sign an invite with a Node
 * Ed25519 key exactly as an admin's browser would, and run an admin request
 * to its adminResult.
 */
import { randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { encodeInvite, INVITE_ID_BYTES, inviteSigningBytes, Role } from '../../proto/index.ts';
import type { AdminRequestSchema, AdminResult, InviteFields, InviteRole } from '../../proto/index.ts';
import { rawPublicKeyOf } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** Options of {@link makeInvite}. */
export interface InviteOptions {
  readonly role?: InviteRole;
  /** Unix ms; default 0 = never. */
  readonly expiresAtMs?: number;
  /** Default 0 (unlimited). */
  readonly maxUses?: number;
  readonly id?: Uint8Array;
}

/** A signed invite (158 bytes) for the relay with key `relayKey`, issued by `issuer`. */
export function makeInvite(issuer: KeyObject, relayKey: Uint8Array, options: InviteOptions = {}): Uint8Array {
  const fields: InviteFields = {
    relayPublicKey: relayKey,
    id: options.id ?? new Uint8Array(randomBytes(INVITE_ID_BYTES)),
    role: options.role ?? Role.MEMBER,
    expiresAtMs: options.expiresAtMs ?? 0,
    maxUses: options.maxUses ?? 0,
    issuerKey: rawPublicKeyOf(issuer),
  };
  return encodeInvite({ ...fields, signature: new Uint8Array(sign(null, inviteSigningBytes(fields), issuer)) });
}

let nextRequestId = 1;

/** Sends an admin request and resolves with its adminResult. */
export async function adminRequest(client: TestClient, action: MessageInitShape<typeof AdminRequestSchema>['action']): Promise<AdminResult> {
  const requestId = nextRequestId++;
  client.send({ case: 'adminRequest', value: { requestId, action } });
  return client.next('adminResult', (r) => r.requestId === requestId);
}
