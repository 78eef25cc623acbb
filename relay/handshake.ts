/**
 * The handshake: `serverHello` with a fresh nonce on connect, a deadline for
 * `clientAuth`, verification, and either a refusal (error + close) or handing
 * the verified identity to the roster.
 */
import { ErrorCode, PROTOCOL_VERSION } from '../proto/index.ts';
import type { ClientAuth } from '../proto/index.ts';
import { verifyClientAuth } from './auth.ts';
import type { AuthIdentity } from './auth.ts';
import type { TypedEmitter } from './emitter.ts';
import type { RelayEvents } from './events.ts';
import type { PasswordHash } from './password.ts';
import type { Session } from './session.ts';
import type { DropStats } from './stats.ts';

/** Dependencies of a {@link Handshake}. */
export interface HandshakeDeps {
  readonly relayPublicKey: Uint8Array;
  readonly serverName: string;
  readonly passwordHash: PasswordHash | undefined;
  readonly authTimeoutMs: number;
  readonly stats: DropStats;
  readonly events: TypedEmitter<RelayEvents>;
  /** Called with a verified identity while the session is `authenticating`. */
  admit(session: Session, identity: AuthIdentity): void;
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
    const { relayPublicKey, passwordHash } = this.#deps;
    verifyClientAuth(msg, { protocolVersion: PROTOCOL_VERSION, relayPublicKey, nonce: session.nonce, passwordHash })
      .then((result) => {
        // The socket may have closed (or timed out) while scrypt ran.
        if (session.state !== 'authenticating') return;
        if (!result.ok) {
          this.#deps.stats.frame('auth-refused', session.connId, ErrorCode[result.code] ?? String(result.code));
          this.#refuse(session, result.code, result.detail);
          return;
        }
        this.#clearDeadline(session);
        this.#deps.admit(session, result.identity);
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

  #refuse(session: Session, code: ErrorCode, detail: string): void {
    this.#deps.events.emit('auth-refused', { connId: session.connId, code, detail });
    session.refuse(code, detail, CONTEXT);
  }

  #clearDeadline(session: Session): void {
    const timer = this.#deadlines.get(session);
    if (timer) clearTimeout(timer);
    this.#deadlines.delete(session);
  }
}
