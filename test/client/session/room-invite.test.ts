/** Room invites in the client (client/session/perms/room-invite.ts): the link it signs, and the redemption's bookkeeping. */
import { describe, expect, it } from 'vitest';
import { createNobleSigner, verifyEd25519 } from '../../../keys/index.ts';
import { decodeRoomInvite, ErrorCode, parseRoomInviteFragment, roomInviteSigningBytes } from '../../../proto/index.ts';
import type { EnvelopeInit } from '../../../proto/index.ts';
import { makeRoomInvite, makeRoomInviteLink, RoomInviteRedeemer } from '../../../client/session/perms/room-invite.ts';
import { initialState } from '../../../client/session/state.ts';
import type { State } from '../../../client/session/state.ts';

const RELAY = new Uint8Array(32).fill(9);
const signer = () => createNobleSigner(new Uint8Array(32).fill(3));

describe('makeRoomInviteLink', () => {
  it('signs the room, group, expiry and uses with the identity key, in the link fragment', async () => {
    const s = await signer();
    const link = await makeRoomInviteLink({ roomId: 'vip', group: 'invited', expiresInMs: 60_000, maxUses: 5 }, s, RELAY, 'https://parley.example/#old', 1_000);
    expect(link.startsWith('https://parley.example/#room-invite=')).toBe(true);
    const found = parseRoomInviteFragment(new URL(link).hash);
    expect(found?.ok).toBe(true);
    const invite = decodeRoomInvite(found!.ok ? found!.value : new Uint8Array());
    expect(invite.ok).toBe(true);
    if (!invite.ok) return;
    expect({ roomId: invite.value.roomId, group: invite.value.group, expiresAtMs: invite.value.expiresAtMs, maxUses: invite.value.maxUses }).toEqual({ roomId: 'vip', group: 'invited', expiresAtMs: 61_000, maxUses: 5 });
    expect(invite.value.issuerKey).toEqual(s.publicKey);
    expect(invite.value.relayPublicKey).toEqual(RELAY);
    expect(await verifyEd25519(s.publicKey, roomInviteSigningBytes(invite.value), invite.value.signature)).toBe(true);
  });

  it('shows making, then the link, in state; a link for a room the dialog left is not shown', async () => {
    let state: State = initialState;
    const seen: string[] = [];
    const ctx = { signer: await signer(), relayKey: RELAY, baseUrl: 'https://p.example/', now: 0 };
    await makeRoomInvite({ roomId: 'vip', group: 'g', expiresInMs: 0, maxUses: 0 }, ctx, () => state, (s) => {
      state = s;
      seen.push(s.roomInviteLink?.status ?? 'none');
    });
    expect(seen).toEqual(['making', 'ready']);
    expect(state.roomInviteLink?.link).toMatch(/^https:\/\/p\.example\/#room-invite=/);
    const closing = makeRoomInvite({ roomId: 'other', group: 'g', expiresInMs: 0, maxUses: 0 }, ctx, () => state, (s) => (state = s));
    state = { ...state, roomInviteLink: null };
    await closing;
    expect(state.roomInviteLink).toBeNull();
  });
});

describe('RoomInviteRedeemer', () => {
  it('sends the pending invite after sign-in, until answered; then forgets it', () => {
    const sent: EnvelopeInit[] = [];
    let forgotten = 0;
    const r = new RoomInviteRedeemer(new Uint8Array([1, 2, 3]), () => forgotten++);
    r.signedIn((m) => (sent.push(m), true));
    r.signedIn((m) => (sent.push(m), true));
    expect(sent.map((m) => m?.case)).toEqual(['redeemRoomInvite', 'redeemRoomInvite']);
    const last = sent[1]!.value as { requestId: number };
    // Another request's answer (a room password's) is not ours.
    expect(r.answered(initialState, { requestId: 1, code: 0, message: '', roomId: '' } as never)).toBeNull();
    expect(r.answered(initialState, { requestId: last.requestId, code: ErrorCode.UNSPECIFIED, message: '', roomId: 'vip' } as never)).toBe(initialState);
    expect(forgotten).toBe(1);
    r.signedIn((m) => (sent.push(m), true));
    expect(sent).toHaveLength(2);
  });

  it('a refusal becomes the notice in plain words', () => {
    let requestId = 0;
    const r = new RoomInviteRedeemer(new Uint8Array([1]), () => {});
    r.signedIn((m) => ((requestId = (m?.value as { requestId: number }).requestId), true));
    const next = r.answered(initialState, { requestId, code: ErrorCode.ROOM_INVITE_USED_UP, message: 'room invite has no uses left', roomId: '' } as never);
    expect(next?.notice?.code).toBe('room-invite-used-up');
  });

  it('does nothing without an invite', () => {
    const sent: EnvelopeInit[] = [];
    new RoomInviteRedeemer(null, () => {}).signedIn((m) => (sent.push(m), true));
    expect(sent).toEqual([]);
  });
});
