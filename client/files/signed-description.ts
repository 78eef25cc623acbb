/**
 * Signs our offers/answers and checks the other side's (proto/file-signal.ts):
 * the body binds the SDP's DTLS fingerprint to the sender's identity, for one
 * file, between two named keys on one relay.
 */
import { decodeFileDescription, encodeFileDescription, FileSdpKind, sdpFingerprint } from '../../proto/file-signal.ts';
import { sameBytes } from '../../proto/bytes.ts';
import type { FileDescription } from '../../proto/index.ts';

/** Who signs and checks, for which relay. */
export interface DescriptionContext {
  readonly relayKey: Uint8Array;
  readonly selfKey: Uint8Array;
  readonly sign: (message: Uint8Array) => Promise<Uint8Array>;
  readonly verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => Promise<boolean>;
}

/** Signs `sdp` for `peerKey`; null when the SDP has no single SHA-256 fingerprint. */
export async function signDescription(ctx: DescriptionContext, fileId: Uint8Array, peerKey: Uint8Array, type: 'offer' | 'answer', sdp: string): Promise<{ body: Uint8Array; signature: Uint8Array } | null> {
  const fingerprint = sdpFingerprint(sdp);
  if (!fingerprint) return null;
  const body = encodeFileDescription({ relayKey: ctx.relayKey, fileId, fromKey: ctx.selfKey, toKey: peerKey, kind: type === 'offer' ? FileSdpKind.offer : FileSdpKind.answer, fingerprint, sdp });
  return { body, signature: await ctx.sign(body) };
}

/** The checked SDP of a description from `peerKey` to us about `fileId`, or null if anything fails. */
export async function openDescription(ctx: DescriptionContext, fileId: Uint8Array, peerKey: Uint8Array, d: FileDescription): Promise<{ type: 'offer' | 'answer'; sdp: string } | null> {
  const decoded = decodeFileDescription(d.body);
  if (!decoded.ok) return null;
  const f = decoded.value;
  const fp = sdpFingerprint(f.sdp);
  const fine = sameBytes(f.relayKey, ctx.relayKey) && sameBytes(f.fileId, fileId) && sameBytes(f.fromKey, peerKey) && sameBytes(f.toKey, ctx.selfKey) && fp !== null && sameBytes(fp, f.fingerprint);
  if (!fine || !(await ctx.verify(peerKey, d.body, d.signature))) return null;
  return { type: f.kind === FileSdpKind.offer ? 'offer' : 'answer', sdp: f.sdp };
}
