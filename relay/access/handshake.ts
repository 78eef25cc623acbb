/**
 * The handshake: `serverHello` with a fresh nonce on connect, a deadline for
 * `clientAuth`, then in order: the address lock-out (before any crypto, so a
 * locked-out guesser costs nothing), signature and password
 * (`verifyClientAuth`), and the admission decision (bans, invites, roles,
 * guests). Any refusal is an `error` + close and counts as one failure of the
 * connection's address; success hands the identity and role to the roster.
 */
import { ErrorCode, PROTOCOL_VERSION, Role } from '../../proto/index.ts';
import type { ClientAuth } from '../../proto/index.ts';
import type { AccessRefusal, AddressLockout, Admission } from './index.ts';
import { verifyClientAuth } from './auth.ts';
import type { AuthIdentity } from './auth.ts';
import type { TypedEmitter } from '../../proto/typed-emitter.ts';
import type { RelayEvents } from '../events.ts';
import type { PasswordHash } from './password.ts';
import type { Session } from '../connection/client-connection.ts';
import type { DropStats } from '../stats.ts';

/** Dependencies of a {@link Handshake}. */
export interface HandshakeDeps {
  readonly relayPublicKey: Uint8Array;
  readonly serverName: string;
  readonly passwordHash: PasswordHash | undefined;
  readonly authTimeoutMs: number;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  readonly lockout: AddressLockout;
  /** Decides admission for a verified key and the invite it brought. Synchronous: see access/admission.ts. */
  decide(publicKey: Uint8Array, invite: Uint8Array): Admission;
  /**
   * Persists what `decide` granted; called in the same tick as `decide`. In a
   * cluster the writer decides a grant again (the last use of an invite may
   * have gone on another relay) and may refuse it: that refusal is returned.
   */
  apply(publicKey: Uint8Array, admission: Admission, displayName: string): Promise<AccessRefusal | void>;
  /** True when the relay holds its most signed-in sessions (`limits.maxSessions`): others are refused SERVER_FULL. */
  full(): boolean;
  /** Called with a verified, admitted identity while the session is `authenticating`. */
  admit(session: Session, identity: AuthIdentity, admission: Admission & { ok: true }): void;
}

const CONTEXT = 'client_auth';

/** Runs the handshake of every connection. */
export class Handshake {
  readonly #deps: HandshakeDeps;
  readonly #deadlines = new Map<Session, NodeJS.Timeout>();

  constructor(deps: HandshakeDeps) {
    this.#deps = deps;
  }

  /** Greets a new connection and starts its auth deadline. */
  start(session: Session): void {
    const { relayPublicKey, serverName, passwordHash, authTimeoutMs } = this.#deps;
    session.send({
      case: 'serverHello',
      value: {
        protocolVersion: PROTOCOL_VERSION,
        relayPublicKey,
        nonce: session.nonce,
        serverName,
        passwordRequired: passwordHash !== undefined,
      },
    });
    const timer = setTimeout(() => {
      this.#deadlines.delete(session);
      if (session.state === 'awaiting-auth' || session.state === 'authenticating') {
        this.#refuse(session, ErrorCode.AUTH_TIMEOUT, `no authentication within ${authTimeoutMs} ms`);
      }
    }, authTimeoutMs);
    timer.unref();
    this.#deadlines.set(session, timer);
  }

  /** Handles the connection's (first) clientAuth. */
  clientAuth(session: Session, msg: ClientAuth): void {
    if (!session.beginAuth()) return;
    const { relayPublicKey, passwordHash, lockout } = this.#deps;
    const lockedUntil = lockout.lockedUntil(session.remoteAddress);
    if (lockedUntil !== null) {
      this.#refuse(session, ErrorCode.LOCKED_OUT, 'too many failed sign-ins from this address', lockedUntil);
      return;
    }
    verifyClientAuth(msg, { protocolVersion: PROTOCOL_VERSION, relayPublicKey, nonce: session.nonce, passwordHash })
      .then(async (result) => {
        // The socket may have closed (or timed out) while scrypt ran.
        if (session.state !== 'authenticating') return;
        if (!result.ok) {
          this.#failed(session, result.code, result.detail);
          return;
        }
        const admission = this.#deps.decide(result.identity.publicKey, msg.invite);
        if (!admission.ok) {
          this.#failed(session, admission.code, admission.detail, admission.untilMs);
          return;
        }
        // Full: nobody new but admins, so an admin can still get in to deal with whoever filled it.
        // Not a failed sign-in (no lock-out charge): the key and password were right.
        if (admission.role !== Role.ADMIN && this.#deps.full()) {
          this.#deps.stats.frame('auth-refused', session.connId, 'SERVER_FULL');
          this.#refuse(session, ErrorCode.SERVER_FULL, 'the relay holds its most sessions');
          return;
        }
        const refused = await this.#deps.apply(result.identity.publicKey, admission, result.identity.displayName);
        if (session.state !== 'authenticating') return;
        if (refused) {
          // A cluster with no writer right now is not a failed sign-in (no lock-out charge): the client tries again.
          if (refused.code === ErrorCode.CLUSTER_UNAVAILABLE) this.#refuse(session, refused.code, refused.detail);
          else this.#failed(session, refused.code, refused.detail, refused.untilMs);
          return;
        }
        this.#clearDeadline(session);
        this.#deps.admit(session, result.identity, admission);
      })
      .catch((error: unknown) => {
        this.#deps.events.emit('internal-error', { where: 'client auth', error });
        this.#refuse(session, ErrorCode.INTERNAL, 'authentication failed');
      });
  }

  /** Forgets a closed connection. */
  sessionClosed(session: Session): void {
    this.#clearDeadline(session);
  }

  /** Cancels every pending deadline (relay shutdown). */
  stop(): void {
    for (const timer of this.#deadlines.values()) clearTimeout(timer);
    this.#deadlines.clear();
  }

  /** A refused sign-in: counted, charged to the address, answered, closed. */
  #failed(session: Session, code: ErrorCode, detail: string, untilMs = 0): void {
    this.#deps.stats.frame('auth-refused', session.connId, ErrorCode[code] ?? String(code));
    const lockedUntil = this.#deps.lockout.recordFailure(session.remoteAddress);
    if (lockedUntil !== null) this.#deps.events.emit('address-locked', { address: session.remoteAddress, untilMs: lockedUntil });
    this.#refuse(session, code, detail, untilMs);
  }

  #refuse(session: Session, code: ErrorCode, detail: string, untilMs = 0): void {
    this.#deps.events.emit('auth-refused', { connId: session.connId, code, detail });
    session.refuse(code, detail, CONTEXT, untilMs);
  }

  #clearDeadline(session: Session): void {
    const timer = this.#deadlines.get(session);
    if (timer) clearTimeout(timer);
    this.#deadlines.delete(session);
  }
}
