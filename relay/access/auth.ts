/**
 * Verification of a `clientAuth` against the connection's nonce, the relay's
 * key and the password hash. No sockets, no state: the result says who the
 * client is, or which `ErrorCode` to refuse it with.
 *
 * Checks run cheapest first (version, shapes, name, Ed25519, then scrypt), so
 * a client without a valid signature never costs us a password hash.
 */
import { authTranscript, ErrorCode, KEY_BYTES, SIGNATURE_BYTES } from '../../proto/index.ts';
import type { ClientAuth } from '../../proto/index.ts';
import { publicKeyFault } from '../../keys/public-key.ts';
import { normalizeDisplayName } from '../presence/display-name.ts';
import { verifyEd25519 } from './ed25519.ts';
import { verifyPassword } from './password.ts';
import type { PasswordHash } from './password.ts';

/** What a connection's clientAuth is checked against. */
export interface AuthContext {
  readonly protocolVersion: number;
  readonly relayPublicKey: Uint8Array;
  /** The nonce sent in this connection's serverHello. */
  readonly nonce: Uint8Array;
  /** Set when the relay has a password. */
  readonly passwordHash: PasswordHash | undefined;
}

/** Who passed authentication. */
export interface AuthIdentity {
  readonly publicKey: Uint8Array;
  readonly displayName: string;
}

/** Refusal with the wire code to answer with and a detail for logs (never the password). */
export interface AuthRefusal {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly detail: string;
}

export type AuthResult = { readonly ok: true; readonly identity: AuthIdentity } | AuthRefusal;

function refuse(code: ErrorCode, detail: string): AuthRefusal {
  return { ok: false, code, detail };
}

/** Verifies `auth`. Never throws. */
export async function verifyClientAuth(auth: ClientAuth, ctx: AuthContext): Promise<AuthResult> {
  if (auth.protocolVersion !== ctx.protocolVersion) {
    return refuse(ErrorCode.PROTOCOL_VERSION, `protocol version [got:${auth.protocolVersion}, want:${ctx.protocolVersion}]`);
  }
  if (auth.publicKey.byteLength !== KEY_BYTES) {
    return refuse(ErrorCode.BAD_REQUEST, `public key length [bytes:${auth.publicKey.byteLength}]`);
  }
  const fault = publicKeyFault(auth.publicKey);
  if (fault) return refuse(ErrorCode.BAD_REQUEST, `public key not acceptable [fault:${fault}]`);
  if (auth.signature.byteLength !== SIGNATURE_BYTES) {
    return refuse(ErrorCode.BAD_SIGNATURE, `signature length [bytes:${auth.signature.byteLength}]`);
  }
  const displayName = normalizeDisplayName(auth.displayName);
  if (displayName === null) return refuse(ErrorCode.BAD_REQUEST, 'display name must be 1..32 printable characters');
  const transcript = authTranscript(ctx.relayPublicKey, ctx.nonce, ctx.protocolVersion);
  if (!verifyEd25519(auth.publicKey, transcript, auth.signature)) {
    return refuse(ErrorCode.BAD_SIGNATURE, 'signature does not verify');
  }
  if (ctx.passwordHash) {
    let matches = false;
    try {
      matches = await verifyPassword(ctx.passwordHash, auth.password);
    } catch {
      matches = false;
    }
    if (!matches) return refuse(ErrorCode.WRONG_PASSWORD, 'password does not match');
  }
  return { ok: true, identity: { publicKey: auth.publicKey, displayName } };
}
