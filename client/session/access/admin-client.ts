/**
 * The admin side of a session: turns admin commands into `adminRequest`s,
 * matches each `adminResult` to its request, and creates invites. An invite
 * is signed here, by the admin's own key, never by the relay: the relay only
 * registers it so it shows in the list (and could not forge one).
 */
import type { MessageInitShape } from '@bufbuild/protobuf';
import { createInvite, encodeInvite, ErrorCode, INVITE_ID_BYTES, inviteFragment, Role } from '../../../proto/index.ts';
import type { AdminRequestSchema, AdminResult, EnvelopeInit } from '../../../proto/index.ts';
import type { Signer } from '../../../keys/index.ts';
import { sessionErrorFromRelay } from '../errors.ts';
import type { SessionError } from '../errors.ts';
import type { Command, State } from '../state.ts';
import { wireRole } from '../views.ts';
import { fromHex } from '../../../proto/bytes.ts';

type AdminAction = MessageInitShape<typeof AdminRequestSchema>['action'];
type CreatedInvite = NonNullable<State['createdInvite']>;

/** Admin commands (the subset of Command this module handles). */
export type AdminCommand = Extract<Command, { type: 'create-invite' | 'revoke-invite' | 'kick' | 'ban' | 'lift-ban' | 'set-role' }>;

/** What the admin client needs from its session. */
export interface AdminClientDeps {
  readonly send: (msg: EnvelopeInit) => boolean;
  readonly signer: Signer;
  /** Page URL the invite fragment is appended to, e.g. `https://voice.example.org/`. */
  readonly inviteBaseUrl: string;
  readonly now: () => number;
}

/** Pending admin requests of one connection. */
export class AdminClient {
  readonly #deps: AdminClientDeps;
  readonly #pending = new Map<number, (() => void) | null>();
  #nextId = 1;

  constructor(deps: AdminClientDeps) {
    this.#deps = deps;
  }

  /** Runs one admin command; `created` hears about a registered invite's link. */
  async run(cmd: AdminCommand, relayPublicKey: Uint8Array, created: (invite: CreatedInvite) => void): Promise<void> {
    switch (cmd.type) {
      case 'create-invite': {
        const { signer, now, inviteBaseUrl } = this.#deps;
        const expiresAtMs = cmd.expiresInMs > 0 ? now() + cmd.expiresInMs : 0;
        const invite = await createInvite(
          {
            relayPublicKey,
            id: crypto.getRandomValues(new Uint8Array(INVITE_ID_BYTES)),
            role: cmd.role === 'admin' ? Role.ADMIN : Role.MEMBER,
            expiresAtMs,
            maxUses: cmd.maxUses,
            issuerKey: signer.publicKey,
          },
          (m) => signer.sign(m),
        );
        const bytes = encodeInvite(invite);
        const link = `${inviteBaseUrl.replace(/#.*$/, '')}${inviteFragment(bytes)}`;
        this.#request({ case: 'registerInvite', value: { invite: bytes } }, () => created({ link, role: cmd.role, expiresAtMs, maxUses: cmd.maxUses }));
        return;
      }
      case 'revoke-invite':
        this.#request({ case: 'revokeInvite', value: { inviteId: fromHex(cmd.idHex) } });
        return;
      case 'kick':
        this.#request({ case: 'kick', value: { sessionId: cmd.sessionId, reason: cmd.reason } });
        return;
      case 'ban':
        this.#request({ case: 'ban', value: { publicKey: fromHex(cmd.publicKeyHex), durationMs: BigInt(Math.max(0, Math.round(cmd.durationMs))), reason: cmd.reason } });
        return;
      case 'lift-ban':
        this.#request({ case: 'liftBan', value: { publicKey: fromHex(cmd.publicKeyHex) } });
        return;
      case 'set-role':
        this.#request({ case: 'setRole', value: { publicKey: fromHex(cmd.publicKeyHex), role: wireRole(cmd.role) } });
        return;
    }
  }

  /** Handles an adminResult: runs the request's success hook, or returns the error to show. */
  result(result: AdminResult): SessionError | null {
    if (!this.#pending.has(result.requestId)) return null;
    const onOk = this.#pending.get(result.requestId);
    this.#pending.delete(result.requestId);
    if (result.code === ErrorCode.UNSPECIFIED) {
      onOk?.();
      return null;
    }
    return sessionErrorFromRelay(result.code, result.message, 0n);
  }

  #request(action: AdminAction, onOk: (() => void) | null = null): void {
    const requestId = this.#nextId++;
    if (this.#deps.send({ case: 'adminRequest', value: { requestId, action } })) this.#pending.set(requestId, onOk);
  }
}
