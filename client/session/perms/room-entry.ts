/**
 * Entering rooms and setting room passwords from the session: remembers the
 * room this client last asked to enter (so a refusal can open the password
 * prompt for it) and numbers SetRoomPassword requests (so only the matching
 * PermsResult is shown). The state transitions themselves are the pure
 * functions of `room-password.ts`; this only holds the two counters the
 * session would otherwise carry.
 */
import type { EnvelopeInit } from '../../../proto/index.ts';
import type { SessionError } from '../errors.ts';
import type { State } from '../state.ts';
import { joinRefusedState } from './room-password.ts';

/** Sends one control message; false when there is no connection. */
export type SendControl = (msg: EnvelopeInit) => boolean | undefined;

/** The session's room-entry requests. */
export class RoomEntry {
  #joining: string | null = null;
  #passwordRequests = 0;

  /** Asks to enter `roomId` (with a room password when the prompt gave one); unchanged state. */
  join(state: State, send: SendControl, roomId: string, password = ''): void {
    if (state.connection.status !== 'connected' || roomId === state.roomId) return;
    this.#joining = roomId;
    send({ case: 'joinRoom', value: { roomId, password } });
  }

  /** Sends SetRoomPassword; the state showing it as sending, or the same state when not connected. */
  setPassword(state: State, send: SendControl, roomId: string, group: string, password: string): State {
    const requestId = ++this.#passwordRequests;
    if (!send({ case: 'setRoomPassword', value: { requestId, roomId, group, password } })) return state;
    return { ...state, roomPasswordSet: { requestId, roomId, group, status: 'sending', message: '', cleared: password === '' } };
  }

  /** A JoinRoom was refused: the state with the password prompt, or null when a password cannot help. */
  refused(state: State, err: SessionError): State | null {
    return joinRefusedState(state, err, this.#joining);
  }
}
