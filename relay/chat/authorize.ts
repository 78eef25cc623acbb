/**
 * Who may do what in chat: the one place that decides, and the hook a later
 * ACL issue replaces (pass `chatPolicy` to `createRelay`). The chat service
 * asks before every read, post, edit and delete, and before delivering a live
 * room message to each session.
 */
import { Role } from '../../proto/index.ts';

/**
 * Whoever acts: the signed-in key and the role the relay holds for the
 * session right now (set by admission, changed live by an admin's set_role).
 */
export interface ChatActor {
  /** Lower-case hex of the 32-byte public key. */
  readonly publicKeyHex: string;
  readonly role: Role;
}

/** What the actor wants to do. `-own` acts on their own message, `-other` on someone else's. */
export type ChatPermission = 'read' | 'post' | 'edit-own' | 'edit-other' | 'delete-own' | 'delete-other';

/** Where: a room's chat, or a direct conversation with `peerKeyHex`. */
export type ChatPlace = { readonly kind: 'room'; readonly roomId: string } | { readonly kind: 'direct'; readonly peerKeyHex: string };

/** Decides one chat action. Must be pure and fast: it runs per recipient on every live message. */
export type ChatPolicy = (actor: ChatActor, action: ChatPermission, place: ChatPlace) => boolean;

/**
 * The default policy: everyone signed in (guests included: admission already
 * decided they may be here) reads and writes every room and their own direct
 * conversations, and edits and deletes their own messages; nobody edits
 * someone else's; admins delete anyone's room messages (not direct ones:
 * they are not a party to them).
 */
export const authorizeChat: ChatPolicy = (actor, action, place) => {
  switch (action) {
    case 'read':
    case 'post':
    case 'edit-own':
    case 'delete-own':
      return true;
    case 'edit-other':
      return false;
    case 'delete-other':
      return actor.role === Role.ADMIN && place.kind === 'room';
  }
};
