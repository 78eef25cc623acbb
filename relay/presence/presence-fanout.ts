/**
 * Per-recipient presence broadcasts for the roster (roster.ts): each message
 * encoded once, sent to the sessions that may see the member's room
 * (relay/visibility/), and written at the end of the event-loop turn (one
 * corked write per client for all of the turn's presence changes: a sign-in
 * ramp is otherwise n writes per sign-in). The roster owns the sessions and
 * every presence change; this only addresses and queues frames.
 */
import { encodeEnvelope } from '../../proto/index.ts';
import type { EnvelopeInit } from '../../proto/index.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Member } from './presence.ts';

/** Whether a session may see a room (absent: everyone sees every room). */
export type Sees = ((viewer: Session, roomId: string) => boolean) | undefined;

/** See the module comment. */
export class PresenceFanout {
  readonly #sessions: ReadonlyMap<number, Session>;
  readonly #sees: Sees;
  /** Sessions with queued broadcasts, flushed once at the end of the turn. */
  #toFlush: Session[] = [];
  #flushScheduled = false;

  /** `sessions`: the roster's authenticated sessions by session id (live: read at each send). */
  constructor(sessions: ReadonlyMap<number, Session>, sees: Sees) {
    this.#sessions = sessions;
    this.#sees = sees;
  }

  /**
   * Sends `msg` to every authenticated session except `except` that may see
   * `roomId` (the member's room). Encodes once; the recipients are fixed now,
   * the frames leave at the end of this turn.
   */
  send(msg: EnvelopeInit, except?: number, roomId?: string): void {
    const frame = encodeEnvelope(msg);
    const sees = this.#sees;
    for (const [id, session] of this.#sessions) {
      if (id !== except && (!sees || roomId === undefined || sees(session, roomId))) this.queue(session, frame);
    }
  }

  /**
   * A member moved from room `from`: viewers who see both rooms get
   * userUpdated; who sees only the new room, userJoined; only the old one,
   * userLeft (to them the person went away). The mover always gets userUpdated.
   */
  announceMove(member: Member, from: string): void {
    const sees = this.#sees;
    if (!sees) {
      this.send({ case: 'userUpdated', value: { user: member } });
      return;
    }
    let updated: Uint8Array | undefined;
    let joined: Uint8Array | undefined;
    let left: Uint8Array | undefined;
    for (const [id, session] of this.#sessions) {
      const self = id === member.sessionId;
      const saw = self || sees(session, from);
      const now = self || sees(session, member.roomId);
      if (saw && now) this.queue(session, (updated ??= encodeEnvelope({ case: 'userUpdated', value: { user: member } })));
      else if (now) this.queue(session, (joined ??= encodeEnvelope({ case: 'userJoined', value: { user: member } })));
      else if (saw) this.queue(session, (left ??= encodeEnvelope({ case: 'userLeft', value: { sessionId: member.sessionId } })));
    }
  }

  /** Queues `frame` for `session` and makes sure a flush runs at the end of this turn. */
  queue(session: Session, frame: Uint8Array): void {
    if (session.enqueue(frame)) this.#toFlush.push(session);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const sessions = this.#toFlush;
    this.#toFlush = [];
    for (const session of sessions) session.flush();
  }
}
