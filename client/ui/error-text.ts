/** Plain-language text for every SessionErrorCode, shown in the UI. */
import type { SessionError, SessionErrorCode } from '../session/errors.ts';
import type { RoomView } from '../session/tree/room-view.ts';
import type { PermissionDenialView } from '../session/perms/denial.ts';
import { INSECURE_PAGE_TEXT } from './secure-page.ts';
import { denialText } from './denial-text.ts';

const TEXT: Record<SessionErrorCode, string> = {
  'relay-unreachable': 'Cannot reach the Parley relay. Check the address and that the relay is running.',
  'connection-lost': 'The connection to the relay was lost. Reconnecting…',
  'relay-restarting': 'Relay restarting…',
  'protocol-error': 'The relay and this page do not understand each other. Reload the page.',
  'wrong-password': 'Wrong server password.',
  'bad-signature': 'The relay could not verify your identity key.',
  'protocol-version': 'This page is a different version than the relay. Reload the page.',
  banned: 'You are banned from this relay.',
  'locked-out': 'Too many failed attempts from your address. Try again later.',
  'server-full': 'The relay is full.',
  'auth-timeout': 'Sign-in took too long. Try again.',
  'not-authenticated': 'You are not signed in to the relay.',
  'unknown-room': 'That room no longer exists.',
  'room-full': 'That room is full.',
  'rate-limited': 'You are sending too fast. Slow down a little.',
  'bad-request': 'The relay refused the request. Check your display name (1–32 characters).',
  'too-large': 'That was too large to send.',
  internal: 'The relay hit an internal error.',
  'voice-failed': 'Voice could not start.',
  'mic-permission-denied': 'Microphone access was refused: you can listen but not talk. Allow the microphone in the browser’s site settings and reconnect.',
  'mic-unavailable': 'No microphone found: you can listen but not talk.',
  'input-device-failed': 'That microphone could not be opened. The previous one stays on.',
  'output-device-unsupported': 'This browser does not let web pages choose the speaker. Choose it in your system’s sound settings instead.',
  'output-device-failed': 'That speaker is not available any more. Playback stays on the previous one.',
  'invalid-state': 'That is not possible right now.',
  'invite-expired': 'This invite link has expired. Ask an admin for a new one.',
  'invite-used-up': 'This invite link has been used as many times as allowed. Ask an admin for a new one.',
  'invite-invalid': 'This invite link is not valid for this relay (it is damaged, forged, or its admin no longer is one).',
  'invite-revoked': 'An admin withdrew this invite link.',
  'not-invited': 'This relay is for members only. Open an invite link from an admin to join.',
  kicked: 'An admin removed you from the relay.',
  forbidden: 'Only admins can do that.',
  'unknown-user': 'That user is no longer here.',
  'relay-key-changed': 'The relay’s identity key changed since your last visit. Parley did not connect.',
  'chat-forbidden': 'You may not do that here: it is someone else’s message, or text is not allowed in this room.',
  'chat-not-found': 'That message no longer exists.',
  'chat-conflict': 'The relay already has a different message with this id. Discard it and type it again.',
  'slow-down': 'The relay is still sending you earlier data. Try again in a moment.',
  'too-slow': 'The relay closed the connection because this device was not reading what it sent (a slow or stalled network). Reconnecting…',
  'reply-unreadable': 'A reply from the relay was too large or damaged for this page to read. Try again, or reload the page.',
  'permission-denied': 'This room’s permissions do not allow that.',
  'room-password-wrong': 'That room password is wrong. Too many wrong tries lock this address out for a while.',
  'room-invite-invalid': 'This room invite link does not work here (it is damaged, for another relay, its room or invite group is gone, or whoever made it may no longer invite).',
  'room-invite-expired': 'This room invite link has expired. Ask for a new one.',
  'room-invite-used-up': 'This room invite link has been used as many times as allowed. Ask for a new one.',
};

/**
 * The sentence to show for an error, with the end time of bans and lock-outs;
 * a permission refusal names what, where and the deciding rule when the rooms are given.
 */
export function errorText(error: Pick<SessionError, 'code' | 'untilMs'> & { readonly reason?: string | null; readonly denial?: PermissionDenialView | null }, rooms: readonly RoomView[] = []): string {
  if (error.denial) return denialText(error.denial, rooms);
  let text = TEXT[error.code];
  // Without a secure context the browser hides the microphone: say why, not "no microphone".
  if (error.code === 'mic-unavailable' && globalThis.isSecureContext === false) text = INSECURE_PAGE_TEXT;
  if ((error.code === 'banned' || error.code === 'locked-out') && error.untilMs) {
    text = `${text.replace(/\.$/, '')} until ${new Date(error.untilMs).toLocaleString()}.`;
  }
  if (error.reason) text = `${text} Reason: ${error.reason}`;
  return text;
}
