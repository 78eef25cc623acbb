/**
 * Checks a wire `FileManifest` against the relay: it parses, names this
 * relay, is signed by its author, and is within the admin's size. Used for
 * announcements and for chat posts that share a file.
 */
import { CHAT_ID_BYTES, decodeFileManifest, ErrorCode, signingTarget } from '../../proto/index.ts';
import type { ChatItem, FileManifest, FileManifestFields } from '../../proto/index.ts';
import { sameBytes } from '../../proto/bytes.ts';
import { verifyEd25519 } from '../access/ed25519.ts';
import type { FileLimits } from './file-limits.ts';

/** A manifest check: its fields, or the refusal. */
export type ManifestCheck = { readonly ok: true; readonly fields: FileManifestFields } | { readonly ok: false; readonly code: ErrorCode; readonly detail: string };

/** Checks `manifest` (signature included) for this relay and these limits. */
export function checkManifest(manifest: FileManifest | undefined, relayKey: Uint8Array, limits: FileLimits): ManifestCheck {
  if (!limits.enabled) return { ok: false, code: ErrorCode.FILE_DISABLED, detail: 'file sharing is off' };
  if (!manifest) return { ok: false, code: ErrorCode.FILE_UNKNOWN, detail: 'unknown file: send its manifest' };
  const decoded = decodeFileManifest(manifest.body);
  if (!decoded.ok) return { ok: false, code: ErrorCode.FILE_BAD_MANIFEST, detail: `manifest: ${decoded.error.code} ${decoded.error.detail}` };
  const f = decoded.value;
  if (!sameBytes(f.relayKey, relayKey)) return { ok: false, code: ErrorCode.FILE_BAD_MANIFEST, detail: 'manifest names another relay' };
  if (!verifyEd25519(f.authorKey, manifest.body, manifest.signature)) return { ok: false, code: ErrorCode.FILE_BAD_MANIFEST, detail: 'manifest signature does not verify' };
  if (f.size > limits.maxFileBytes) return { ok: false, code: ErrorCode.FILE_TOO_LARGE, detail: `file over ${limits.maxFileBytes} bytes` };
  return { ok: true, fields: f };
}

/**
 * The extra check for a chat item carrying `file`: only a POST, and the
 * manifest's id, author and target are the item's own. Null when fine (or
 * no file), else the refusal for the chat ack.
 */
export function checkChatFile(item: ChatItem, relayKey: Uint8Array, limits: FileLimits): { code: ErrorCode; detail: string } | null {
  if (!item.file) return null;
  if (item.refId.byteLength === CHAT_ID_BYTES) return { code: ErrorCode.BAD_REQUEST, detail: 'only a post may share a file' };
  const check = checkManifest(item.file, relayKey, limits);
  if (!check.ok) return { code: check.code, detail: check.detail };
  const f = check.fields;
  const target = signingTarget(item.target);
  const sameTarget =
    target !== null &&
    (target.kind === 'room' ? f.target.kind === 'room' && f.target.roomId === target.roomId : f.target.kind === 'direct' && sameBytes(f.target.peerKey, target.peerKey));
  if (!sameBytes(f.fileId, item.id) || !sameBytes(f.authorKey, item.authorKey) || !sameTarget) {
    return { code: ErrorCode.FILE_BAD_MANIFEST, detail: "manifest id, author or target is not the item's" };
  }
  return null;
}
