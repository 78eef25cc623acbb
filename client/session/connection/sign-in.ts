/**
 * The client's answer to the relay's `ServerHello`: the ClientAuth message
 * that proves the identity by signing the relay's key, nonce and protocol
 * version (proto/auth-transcript.ts), with the name, password and invite the
 * user signs in with. The session decides whether the relay key is trusted
 * before signing anything.
 */
import { PROTOCOL_VERSION, authTranscript } from '../../../proto/index.ts';
import type { EnvelopeInit, ServerHello } from '../../../proto/index.ts';
import type { Signer } from '../../../keys/index.ts';

/** What the user signs in with. */
export interface Credentials {
  readonly displayName: string;
  readonly password: string;
}

/** Signs the hello's auth transcript with the identity key. */
export function signHello(signer: Signer, hello: ServerHello): Promise<Uint8Array> {
  return signer.sign(authTranscript(hello.relayPublicKey, hello.nonce, PROTOCOL_VERSION));
}

/** The ClientAuth envelope for a signature from {@link signHello}. */
export function clientAuthMessage(publicKey: Uint8Array, signature: Uint8Array, credentials: Credentials, invite: Uint8Array): EnvelopeInit {
  return {
    case: 'clientAuth',
    value: {
      protocolVersion: PROTOCOL_VERSION,
      publicKey,
      displayName: credentials.displayName,
      password: credentials.password,
      signature,
      invite,
    },
  };
}
