/**
 * The identity-and-access side of a session: relay key pinning (trust on
 * first use), the invite the page was opened with, the user's role, and the
 * admin client. It owns no state of its own that the UI sees: every change
 * goes through the session's `update` (the session's single `#set`).
 */
import { decodeInvite } from '../../../proto/index.ts';
import type { AdminResult, AdminState, ServerHello } from '../../../proto/index.ts';
import { fingerprint, toHex } from '../../../keys/index.ts';
import type { Signer } from '../../../keys/index.ts';
import { AdminClient } from './admin-client.ts';
import type { AdminCommand } from './admin-client.ts';
import { SessionError } from '../errors.ts';
import type { RelayPinStore } from './relay-pins.ts';
import type { RelayKeyChange, State, UserView } from '../state.ts';
import { roleName, toAdminView } from '../views.ts';
import { fromHex } from '../../../proto/bytes.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';

/** What the access manager needs from its session. */
export interface AccessManagerDeps {
  /** The relay address (control socket URL): the key relay pins are stored under. */
  readonly address: string;
  readonly signer: Signer;
  readonly pins: RelayPinStore;
  readonly invite: Uint8Array | null;
  readonly onInviteSettled: (() => void) | undefined;
  readonly inviteBaseUrl: string;
  readonly now: () => number;
  /** Current session state. */
  readonly state: () => State;
  /** The session's single state-change point. */
  readonly update: (next: State) => void;
}

/** Per-session access logic; see the module comment. */
export class AccessManager {
  readonly #deps: AccessManagerDeps;
  #invite: Uint8Array | null;
  #relayKey: Uint8Array | null = null;
  #pendingRelayKey: string | null = null;
  #admin: AdminClient | null = null;

  constructor(deps: AccessManagerDeps) {
    this.#deps = deps;
    this.#invite = deps.invite;
  }

  /** The pending invite as the state shows it (for the initial state). */
  inviteView(): State['invite'] {
    const decoded = this.#invite ? decodeInvite(this.#invite) : null;
    return decoded?.ok ? { role: roleName(decoded.value.role), expiresAtMs: decoded.value.expiresAtMs } : null;
  }

  /** Invite bytes to put in clientAuth (empty when none). */
  inviteBytes(): Uint8Array {
    return this.#invite ?? new Uint8Array(0);
  }

  /**
   * Trust on first use: the first key seen for this address is pinned (or,
   * with an invite, the relay key its admin signed into it is expected). A
   * different key makes this return false and shows the warning; the caller
   * closes the connection before anything is signed.
   */
  async checkRelayKey(hello: ServerHello): Promise<boolean> {
    const { address, pins } = this.#deps;
    const offered = toHex(hello.relayPublicKey);
    const pinned = pins.get(address);
    const invite = this.#invite ? decodeInvite(this.#invite) : null;
    const expected = pinned ?? (invite?.ok ? toHex(invite.value.relayPublicKey) : undefined);
    if (expected === undefined || expected === offered) {
      if (pinned === undefined) pins.set(address, offered);
      this.#relayKey = hello.relayPublicKey;
      return true;
    }
    const change: RelayKeyChange = {
      address,
      pinnedFingerprint: await fingerprint(fromHex(expected)),
      offeredFingerprint: await fingerprint(hello.relayPublicKey),
      source: pinned !== undefined ? 'pinned' : 'invite',
    };
    this.#pendingRelayKey = offered;
    const s = this.#deps.state();
    // Whatever this relay says is not to be shown as the old relay's rooms and people.
    this.#deps.update({
      ...s,
      selfSessionId: null,
      roomId: null,
      rooms: [],
      users: [],
      role: null,
      admin: null,
      relayKeyChange: change,
      connection: { status: 'failed', error: new SessionError('relay-key-changed', 'relay key changed'), attempt: s.connection.attempt },
    });
    return false;
  }

  /** The user accepted the new relay key: pin it. False when there was nothing to accept. */
  acceptRelayKey(): boolean {
    const change = this.#deps.state().relayKeyChange;
    if (!change || !this.#pendingRelayKey) return false;
    this.#deps.pins.set(change.address, this.#pendingRelayKey);
    this.#pendingRelayKey = null;
    this.#deps.update({ ...this.#deps.state(), relayKeyChange: null, connection: { status: 'idle', error: null, attempt: 0 } });
    return true;
  }

  /** The user kept the old key: drop the warning, stay disconnected. */
  rejectRelayKey(): void {
    this.#pendingRelayKey = null;
    this.#deps.update({ ...this.#deps.state(), relayKeyChange: null });
  }

  /** The invite was used or refused: forget it here and in the page. */
  settleInvite(): void {
    if (!this.#invite) return;
    this.#invite = null;
    this.#deps.update({ ...this.#deps.state(), invite: null });
    this.#deps.onInviteSettled?.();
  }

  /** Signed in on a connection whose sender is `send`: a fresh admin client for it. */
  signedIn(send: (msg: EnvelopeInit) => boolean): void {
    const { signer, inviteBaseUrl, now } = this.#deps;
    this.#admin = new AdminClient({ send, signer, inviteBaseUrl, now });
  }

  /** Follows our own role in userUpdated; the admin view goes when admin does. */
  selfUpdated(user: UserView): void {
    const s = this.#deps.state();
    if (user.sessionId !== s.selfSessionId || user.role === s.role) return;
    this.#deps.update({ ...s, role: user.role, admin: user.role === 'admin' ? s.admin : null });
  }

  adminState(msg: AdminState): void {
    const s = this.#deps.state();
    if (s.role === 'admin') this.#deps.update({ ...s, admin: toAdminView(msg) });
  }

  adminResult(msg: AdminResult): void {
    const err = this.#admin?.result(msg);
    if (err) this.#deps.update({ ...this.#deps.state(), notice: err });
  }

  /** Runs an admin command when connected as admin; ignored otherwise. */
  admin(cmd: AdminCommand): void {
    const admin = this.#admin;
    const relayKey = this.#relayKey;
    const s = this.#deps.state();
    if (!admin || !relayKey || s.connection.status !== 'connected' || s.role !== 'admin') return;
    admin
      .run(cmd, relayKey, (createdInvite) => this.#deps.update({ ...this.#deps.state(), createdInvite }))
      .catch((e: unknown) => this.#deps.update({ ...this.#deps.state(), notice: new SessionError('internal', String(e), { cause: e }) }));
  }
}
