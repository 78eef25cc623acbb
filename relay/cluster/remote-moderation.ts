/**
 * Kicks and moves of users who sit on another relay of the cluster
 * (decision D121). The relay that receives an admin's request judges it as
 * for a local user (AdminService, relay/perms/); then, instead of acting on a
 * session of its own, it asks the relay holding the session, with one core
 * NATS request to `parley.<name>.mod.<holder id>`. The holder checks that
 * the session is still its own and signed in with the same key (a restarted
 * relay reuses session ids) and acts on it as for a local request: a kick
 * closes it with KICKED, a move goes through the roster's place (the same
 * events as a local move, so the room change and voice follow). The admin is
 * answered with the holder's code, after it acted.
 *
 * The same subject answers the presence dedupe's probe (presence-sync.ts):
 * "do you still hold this session?". A relay that died has no subscription,
 * so NATS answers "no responders" at once: the stale entry is known as such
 * without waiting for its key to expire.
 *
 * Only relays of the cluster can ask: the subject is under the cluster's
 * NATS prefix, which is trusted as the state log's submit subject is (NATS
 * access is the relays' credential, docs/CLUSTER.md).
 */
import { RequestError } from '@nats-io/transport-node';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { ErrorCode } from '../../proto/index.ts';
import type { Session } from '../connection/client-connection.ts';
import type { Member } from '../presence/presence.ts';
import { decodeModerationAnswer, decodeModerationRequest, encodeModerationAnswer, encodeModerationRequest } from './moderation-codec.ts';
import type { ModerationRequest } from './moderation-codec.ts';

/** Where a user shown here sits: their relay, that relay's session id, and the key they signed in with. */
export interface Origin {
  readonly relay: string;
  readonly sessionId: number;
  readonly publicKey: Uint8Array;
}

/** A probe's verdict: the holder still has the session, no longer has it, or could not be asked. */
export type Probe = 'held' | 'gone' | 'unknown';

/** What {@link RemoteModeration} needs. */
export interface RemoteModerationDeps {
  readonly nc: NatsConnection;
  /** Subject prefix: relay `x` answers on `<prefix>.x`. */
  readonly subjectPrefix: string;
  readonly relayId: string;
  readonly requestTimeoutMs: number;
  /** This relay's own signed-in sessions and how to move one (the roster). */
  readonly sessions: {
    sessionById(sessionId: number): Session | undefined;
    member(session: Session): Member | undefined;
    place(sessionId: number, roomId: string): 'ok' | 'unknown-room' | 'room-full' | 'unknown-session';
  };
  /** Where a user shown here under `shownId` sits (undefined: a local user, or nobody). */
  readonly origin: (shownId: number) => Origin | undefined;
  readonly onError: (error: unknown) => void;
}

const PLACED: Record<ReturnType<RemoteModerationDeps['sessions']['place']>, ErrorCode> = {
  ok: ErrorCode.UNSPECIFIED,
  'unknown-room': ErrorCode.UNKNOWN_ROOM,
  'room-full': ErrorCode.ROOM_FULL,
  'unknown-session': ErrorCode.UNKNOWN_USER,
};

/** See the module comment. */
export class RemoteModeration {
  readonly #deps: RemoteModerationDeps;
  readonly #sub: Subscription;

  constructor(deps: RemoteModerationDeps) {
    this.#deps = deps;
    this.#sub = deps.nc.subscribe(`${deps.subjectPrefix}.${deps.relayId}`, {
      callback: (error, msg) => {
        if (error) return;
        try {
          msg.respond(encodeModerationAnswer(this.#apply(msg.data)));
        } catch (e) {
          deps.onError(e);
        }
      },
    });
  }

  /** Whether the user shown here under `shownId` sits on another relay. */
  isRemote(shownId: number): boolean {
    return this.#deps.origin(shownId) !== undefined;
  }

  /** Asks the holder of `shownId` to close it with KICKED and `text`; resolves with the holder's code once it did. */
  kick(shownId: number, text: string): Promise<ErrorCode> {
    return this.#ask(shownId, (t) => ({ kind: 'kick', ...t, text }));
  }

  /** Asks the holder of `shownId` to move it to `roomId`; resolves with its code once it did. */
  move(shownId: number, roomId: string): Promise<ErrorCode> {
    return this.#ask(shownId, (t) => ({ kind: 'move', ...t, roomId }));
  }

  /** Whether relay `relay` still holds its session `sessionId` signed in with `publicKey`. Never rejects. */
  async probe(relay: string, sessionId: number, publicKey: Uint8Array): Promise<Probe> {
    const code = await this.#request(relay, { kind: 'probe', sessionId, publicKey });
    return code === ErrorCode.UNSPECIFIED ? 'held' : code === ErrorCode.UNKNOWN_USER ? 'gone' : 'unknown';
  }

  async #ask(shownId: number, make: (target: { sessionId: number; publicKey: Uint8Array }) => ModerationRequest): Promise<ErrorCode> {
    const origin = this.#deps.origin(shownId);
    if (!origin) return ErrorCode.UNKNOWN_USER;
    return this.#request(origin.relay, make({ sessionId: origin.sessionId, publicKey: origin.publicKey }));
  }

  /** One request; a relay with no subscription (it died) means the session is gone, anything else that fails means NATS is away. */
  async #request(relay: string, request: ModerationRequest): Promise<ErrorCode> {
    const { nc, subjectPrefix, requestTimeoutMs } = this.#deps;
    try {
      if (nc.isClosed()) return ErrorCode.CLUSTER_UNAVAILABLE;
      const reply = await nc.request(`${subjectPrefix}.${relay}`, encodeModerationRequest(request), { timeout: requestTimeoutMs });
      const decoded = decodeModerationAnswer(reply.data);
      return decoded.ok ? decoded.value : ErrorCode.CLUSTER_UNAVAILABLE;
    } catch (error) {
      return error instanceof RequestError && error.isNoResponders() ? ErrorCode.UNKNOWN_USER : ErrorCode.CLUSTER_UNAVAILABLE;
    }
  }

  /** The holder's side: acts on its own session, or says why not. */
  #apply(data: Uint8Array): ErrorCode {
    const decoded = decodeModerationRequest(data);
    if (!decoded.ok) return ErrorCode.BAD_REQUEST;
    const r = decoded.value;
    const { sessions } = this.#deps;
    const session = sessions.sessionById(r.sessionId);
    const member = session ? sessions.member(session) : undefined;
    if (!session || !member || Buffer.compare(member.publicKey, r.publicKey) !== 0) return ErrorCode.UNKNOWN_USER;
    switch (r.kind) {
      case 'probe':
        return ErrorCode.UNSPECIFIED;
      case 'kick':
        session.refuse(ErrorCode.KICKED, r.text, 'kick');
        return ErrorCode.UNSPECIFIED;
      case 'move':
        return PLACED[sessions.place(r.sessionId, r.roomId)];
    }
  }

  /** Stops answering. */
  close(): void {
    this.#sub.unsubscribe();
  }
}
