/**
 * Signed room invites in the client (proto/room-invite.ts): making a link
 * ("Invite to this room"), signed locally with this identity's key, and
 * redeeming the one this tab was opened with. The relay decides whether the
 * issuer may invite; the client only offers the action where the tree says
 * it can, and shows the relay's answer.
 */
import { createRoomInvite, encodeRoomInvite, ErrorCode, ROOM_INVITE_ID_BYTES, roomInviteFragment } from '../../../proto/index.ts';
import type { EnvelopeInit, PermsResult } from '../../../proto/index.ts';
import type { Signer } from '../../../keys/index.ts';
import { sessionErrorFromRelay } from '../errors.ts';
import type { RoomInviteChoice, State } from '../state.ts';

/** Signs a room invite and returns its link: `baseUrl#room-invite=…`. */
export async function makeRoomInviteLink(choice: RoomInviteChoice, signer: Signer, relayPublicKey: Uint8Array, baseUrl: string, now: number): Promise<string> {
  const invite = await createRoomInvite(
    {
      relayPublicKey,
      id: crypto.getRandomValues(new Uint8Array(ROOM_INVITE_ID_BYTES)),
      expiresAtMs: choice.expiresInMs > 0 ? now + choice.expiresInMs : 0,
      maxUses: choice.maxUses,
      issuerKey: signer.publicKey,
      roomId: choice.roomId,
      group: choice.group,
    },
    (m) => signer.sign(m),
  );
  return `${baseUrl.replace(/#.*$/, '')}${roomInviteFragment(encodeRoomInvite(invite))}`;
}

/** What signing a link needs from the session. */
export interface RoomInviteContext {
  readonly signer: Signer;
  readonly relayKey: Uint8Array;
  readonly baseUrl: string;
  readonly now: number;
}

/** "Invite to this room": shows the link as being made, signs it, then shows it (or why it failed) unless the dialog moved on. */
export async function makeRoomInvite(choice: RoomInviteChoice, ctx: RoomInviteContext, get: () => State, set: (s: State) => void): Promise<void> {
  set({ ...get(), roomInviteLink: { roomId: choice.roomId, status: 'making', link: '', message: '' } });
  const made = await makeRoomInviteLink(choice, ctx.signer, ctx.relayKey, ctx.baseUrl, ctx.now).then(
    (link) => ({ status: 'ready' as const, link, message: '' }),
    () => ({ status: 'failed' as const, link: '', message: 'Could not sign the invite with this identity.' }),
  );
  if (get().roomInviteLink?.roomId === choice.roomId) set({ ...get(), roomInviteLink: { roomId: choice.roomId, ...made } });
}

/** Request ids of redemptions: a range of their own, so no SetRoomPassword answer is taken for one. */
const REDEEM_REQUEST_BASE = 0x4000_0000;

/** The room invite this tab was opened with, redeemed once after sign-in. */
export class RoomInviteRedeemer {
  #pending: Uint8Array | null;
  readonly #forget: () => void;
  #count = 0;
  #requestId = -1;

  /** `pending`: the invite's bytes (null: none); `forget` drops it from where the page kept it. */
  constructor(pending: Uint8Array | null, forget: () => void) {
    this.#pending = pending;
    this.#forget = forget;
  }

  /** After sign-in: sends the pending invite (again after a reconnect, until it is answered). */
  signedIn(send: (msg: EnvelopeInit) => boolean | undefined): void {
    if (!this.#pending) return;
    this.#requestId = REDEEM_REQUEST_BASE + ++this.#count;
    send({ case: 'redeemRoomInvite', value: { requestId: this.#requestId, invite: this.#pending } });
  }

  /** A PermsResult: the state after it when it answers the redemption, else null. Accepted: the relay moves us in. */
  answered(state: State, result: PermsResult): State | null {
    if (result.requestId !== this.#requestId) return null;
    this.#pending = null;
    this.#requestId = -1;
    this.#forget();
    if (result.code === ErrorCode.UNSPECIFIED) return state;
    // A notice, never a connection failure: the session stays signed in, only the room stays closed.
    return { ...state, notice: sessionErrorFromRelay(result.code, result.message, 0n) };
  }
}
