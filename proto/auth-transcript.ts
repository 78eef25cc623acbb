/**
 * The exact bytes a client signs to prove possession of its identity key.
 *
 *   transcript = "parley-auth-v1\0" || relay_public_key (32) || nonce (32) || u32be(protocol_version)
 *
 * Binding the relay's key stops a signature made for one relay from being
 * replayed to another; binding the version stops downgrade games; the nonce is
 * fresh per connection, so a captured signature is useless later.
 */

const DOMAIN = new TextEncoder().encode('parley-auth-v1\0');

/** Length of an Ed25519 public key and of the relay nonce, in bytes. */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 32;
/** Length of an Ed25519 signature. */
export const SIGNATURE_BYTES = 64;

/** Builds the transcript the client signs. Throws `TypeError` on wrong lengths (caller bug). */
export function authTranscript(relayPublicKey: Uint8Array, nonce: Uint8Array, protocolVersion: number): Uint8Array {
  if (relayPublicKey.byteLength !== KEY_BYTES) throw new TypeError(`relay key must be ${KEY_BYTES} bytes`);
  if (nonce.byteLength !== NONCE_BYTES) throw new TypeError(`nonce must be ${NONCE_BYTES} bytes`);
  const out = new Uint8Array(DOMAIN.length + KEY_BYTES + NONCE_BYTES + 4);
  out.set(DOMAIN, 0);
  out.set(relayPublicKey, DOMAIN.length);
  out.set(nonce, DOMAIN.length + KEY_BYTES);
  new DataView(out.buffer).setUint32(DOMAIN.length + KEY_BYTES + NONCE_BYTES, protocolVersion >>> 0, false);
  return out;
}
