/**
 * Who may share and fetch files where: the one function the per-room "share
 * files" permission (permissions work) replaces. Pass `filePolicy` to
 * `createRelay`. Seeing a room's files also needs chat read permission there
 * (the manifest is a chat item), and a direct conversation's files are only
 * ever for its two parties: those two rules are not the policy's to loosen.
 */
import { toHex } from '../../proto/bytes.ts';
import type { FileManifestFields } from '../../proto/index.ts';
import type { ChatActor, ChatPlace, ChatPolicy } from '../chat/authorize.ts';

/** `share`: announce a file one authored; `fetch`: download or seed someone's. */
export type FilePermission = 'share' | 'fetch';

/** Decides one file action; pure and fast (it runs on every introduction). */
export type FilePolicy = (actor: ChatActor, action: FilePermission, place: ChatPlace) => boolean;

/** Default, role-based: everyone signed in may share and fetch. */
export const authorizeFiles: FilePolicy = () => true;

/** Whether `actor` may see (fetch, seed, be introduced for) the file of `m`. */
export function mayAccessFile(actor: ChatActor, m: FileManifestFields, chatPolicy: ChatPolicy, filePolicy: FilePolicy): boolean {
  const authorHex = toHex(m.authorKey);
  const action: FilePermission = actor.publicKeyHex === authorHex ? 'share' : 'fetch';
  if (m.target.kind === 'room') {
    const place: ChatPlace = { kind: 'room', roomId: m.target.roomId };
    return chatPolicy(actor, 'read', place) && filePolicy(actor, action, place);
  }
  const peerHex = toHex(m.target.peerKey);
  if (actor.publicKeyHex !== authorHex && actor.publicKeyHex !== peerHex) return false;
  const other = actor.publicKeyHex === authorHex ? peerHex : authorHex;
  return filePolicy(actor, action, { kind: 'direct', peerKeyHex: other });
}
