/**
 * The connection reducers on their own: attempt status, what a closed socket
 * leads to (retry with which attempt and delay, or give up), relay errors
 * before and after sign-in, and what survives signing out.
 */
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { AuthOkSchema, CLOSE_SLOW_READER, Role } from '../../../../proto/index.ts';
import { errorText } from '../../../../client/ui/error-text.ts';
import { closedState, connectingState, reconnectingState, relayErrorState, signedOutState } from '../../../../client/session/connection/connection-state.ts';
import { SessionError } from '../../../../client/session/errors.ts';
import type { SessionErrorCode } from '../../../../client/session/errors.ts';
import { signedInState } from '../../../../client/session/presence.ts';
import { exponentialBackoff } from '../../../../client/session/connection/reconnect-policy.ts';
import type { ReconnectPolicy } from '../../../../client/session/connection/reconnect-policy.ts';
import { initialState } from '../../../../client/session/state.ts';
import type { State } from '../../../../client/session/state.ts';
import { initialChatState, roomKey } from '../../../../client/session/chat/chat-state.ts';
import { emptyConversation } from '../../../../client/session/chat/chat-state.ts';
import { emptyTreeView } from '../../../../client/session/tree/index.ts';

/** The real backoff with its jitter pinned to the middle (factor 1.0): delays are exactly 500 ms · 2^attempt, capped at 10 s. */
const policy = exponentialBackoff({ random: () => 0.5 });

/**
 * The shipped policy never gives up on its own, so "give up" needs a policy
 * that does; this one stops after `limit` attempts and remembers what it was asked.
 */
function givingUpAfter(limit: number): ReconnectPolicy & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    nextDelayMs: ({ attempt }) => (asked.push(attempt), attempt < limit ? 100 : null),
  };
}

const authOk = create(AuthOkSchema, {
  sessionId: 3,
  role: Role.ADMIN,
  roomId: 'lobby',
});

/** Signed in, with voice up and someone talking. */
const connected: State = {
  ...signedInState(initialState, authOk),
  // The roster (PresencePage) and the tree's rooms arrive after authOk.
  users: [{ sessionId: 3, publicKeyHex: '03'.repeat(32), displayName: 'Ann', roomId: 'lobby', muted: false, deafened: false, role: 'admin' }],
  rooms: [{ id: 'lobby', name: 'Lobby', parentId: '', position: 0, voiceId: 1, description: '', userLimit: 0, pending: false }],
  admin: { invites: [], bans: [] },
  voice: { status: 'ready', error: null },
  talking: new Set([3]),
};

const err = (code: SessionErrorCode): SessionError => new SessionError(code, `relay said ${code}`);

describe('connectingState', () => {
  it('attempt 0 is a fresh connect', () => {
    const s = connectingState(initialState, 0);
    expect(s.connection).toEqual({ status: 'connecting', error: null, attempt: 0 });
  });

  it('a later attempt is a reconnect and keeps the error that caused it on screen', () => {
    const lost = err('connection-lost');
    const before: State = { ...initialState, connection: { status: 'reconnecting', error: lost, attempt: 2 } };
    const s = connectingState(before, 3);
    expect(s.connection.status).toBe('reconnecting');
    expect(s.connection.attempt).toBe(3);
    expect(s.connection.error).toBe(lost);
  });
});

describe('closedState', () => {
  it('does nothing after a fatal refusal: no retry, state untouched', () => {
    for (const code of ['kicked', 'banned', 'wrong-password', 'invite-revoked', 'relay-key-changed'] as const) {
      const refused: State = { ...initialState, connection: { status: 'failed', error: err(code), attempt: 0 } };
      expect(closedState(refused, true, 0, policy), code).toBeNull();
      expect(closedState(refused, false, 4, policy), code).toBeNull();
    }
  });

  it('a slow-reader close (4101) reconnects and says why in a sentence', () => {
    const outcome = closedState(connected, true, 1, policy, CLOSE_SLOW_READER);
    expect(outcome?.retry).not.toBeNull();
    expect(outcome?.state.connection).toMatchObject({ status: 'reconnecting', error: { code: 'too-slow' } });
    expect(errorText(outcome!.state.connection.error!)).toMatch(/not reading what it sent/);
    expect(closedState(connected, true, 1, policy, 1006)?.state.connection.error?.code).toBe('connection-lost');
  });

  it('retries after a non-fatal failure (e.g. server full) like any unreachable relay', () => {
    const full: State = { ...initialState, connection: { status: 'failed', error: err('server-full'), attempt: 1 } };
    const outcome = closedState(full, false, 1, policy);
    expect(outcome?.retry).toEqual({ attempt: 2, delayMs: 1000 });
    expect(outcome?.state.connection.status).toBe('reconnecting');
  });

  it('a lost established connection counts from the first retry again, whatever attempt opened it', () => {
    const outcome = closedState(connected, true, 5, policy);
    expect(outcome).not.toBeNull();
    const { state, retry } = outcome!;
    expect(state.connection.status).toBe('reconnecting');
    expect(state.connection.attempt).toBe(1);
    expect(state.connection.error?.code).toBe('connection-lost');
    // The first retry's delay; the retry itself is a reconnect (attempt ≥ 1), not a fresh sign-in.
    expect(retry).toEqual({ attempt: 1, delayMs: 500 });
    // Voice restarts and nobody is heard until it is back.
    expect(state.voice).toEqual({ status: 'starting', error: null });
    expect(state.talking.size).toBe(0);
    // The roster stays visible while reconnecting.
    expect(state.users).toBe(connected.users);
  });

  it('an unreachable relay moves on to the next attempt with a growing delay', () => {
    let state = connectingState(initialState, 0);
    const seen: { status: string; attempt: number; delayMs: number; code: string | undefined }[] = [];
    let attempt = 0;
    for (let i = 0; i < 6; i++) {
      const outcome = closedState(state, false, attempt, policy)!;
      seen.push({ status: outcome.state.connection.status, attempt: outcome.retry!.attempt, delayMs: outcome.retry!.delayMs, code: outcome.state.connection.error?.code });
      attempt = outcome.retry!.attempt;
      state = connectingState(outcome.state, attempt);
    }
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((s) => s.delayMs)).toEqual([500, 1000, 2000, 4000, 8000, 10_000]);
    expect(new Set(seen.map((s) => s.status))).toEqual(new Set(['reconnecting']));
    expect(new Set(seen.map((s) => s.code))).toEqual(new Set(['relay-unreachable']));
  });

  it('a socket that opened but closed before sign-in completed is not an established connection', () => {
    const authenticating: State = { ...initialState, connection: { status: 'authenticating', error: null, attempt: 2 } };
    const outcome = closedState(authenticating, true, 2, policy)!;
    expect(outcome.state.connection).toMatchObject({ status: 'reconnecting', attempt: 3 });
    expect(outcome.state.connection.error?.code).toBe('connection-lost');
    expect(outcome.retry).toEqual({ attempt: 3, delayMs: 2000 });
  });

  it('keeps a failed voice path failed while reconnecting', () => {
    const voiceFailed: State = { ...connected, voice: { status: 'failed', error: err('voice-failed') } };
    const outcome = closedState(voiceFailed, true, 0, policy)!;
    expect(outcome.state.voice.status).toBe('failed');
    expect(outcome.state.voice.error?.code).toBe('voice-failed');
  });

  it('fails with no retry once the policy gives up, keeping the attempt it gave up on', () => {
    const stopper = givingUpAfter(2);
    const before: State = { ...connected, connection: { status: 'reconnecting', error: err('relay-unreachable'), attempt: 2 } };
    const outcome = closedState(before, false, 2, stopper);
    expect(stopper.asked).toEqual([2]);
    expect(outcome).not.toBeNull();
    expect(outcome!.retry).toBeNull();
    expect(outcome!.state.connection.status).toBe('failed');
    expect(outcome!.state.connection.attempt).toBe(3);
    expect(outcome!.state.connection.error?.code).toBe('relay-unreachable');
    // Giving up is not a reconnect: voice and talkers are left as they were.
    expect(outcome!.state.voice).toBe(before.voice);
  });

  it('asks the policy with the number of retries before this one', () => {
    const stopper = givingUpAfter(10);
    closedState(connected, true, 4, stopper);
    closedState({ ...initialState, connection: { status: 'connecting', error: null, attempt: 0 } }, false, 0, stopper);
    closedState({ ...initialState, connection: { status: 'reconnecting', error: null, attempt: 3 } }, false, 3, stopper);
    expect(stopper.asked).toEqual([0, 0, 3]);
  });

  it('after a lost connection the delays run 500 ms, 1 s, 2 s, 4 s (none skipped)', () => {
    let outcome = closedState(connected, true, 0, policy)!;
    const delays = [outcome.retry!.delayMs];
    for (let i = 0; i < 3; i++) {
      const attempt = outcome.retry!.attempt;
      outcome = closedState(connectingState(outcome.state, attempt), false, attempt, policy)!;
      delays.push(outcome.retry!.delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000]);
  });
});

describe('reconnectingState', () => {
  it('sets the reconnecting status with its error and attempt, restarts voice and silences talkers', () => {
    const lost = err('connection-lost');
    const s = reconnectingState(connected, lost, 2);
    expect(s.connection).toEqual({ status: 'reconnecting', error: lost, attempt: 2 });
    expect(s.voice).toEqual({ status: 'starting', error: null });
    expect(s.talking.size).toBe(0);
  });

  it('turns voice that was off into starting (voice is offered again on the new session)', () => {
    const s = reconnectingState({ ...connected, voice: { status: 'off', error: null } }, err('connection-lost'), 0);
    expect(s.voice.status).toBe('starting');
  });

  it('keeps a failed voice path failed, with its error', () => {
    const micDenied = err('mic-permission-denied');
    const s = reconnectingState({ ...connected, voice: { status: 'failed', error: micDenied } }, err('connection-lost'), 1);
    expect(s.voice).toEqual({ status: 'failed', error: micDenied });
  });
});

describe('relayErrorState', () => {
  it('before sign-in any error fails the connection and keeps the attempt', () => {
    const authenticating: State = { ...initialState, connection: { status: 'authenticating', error: null, attempt: 4 } };
    const full = err('server-full');
    const s = relayErrorState(authenticating, full);
    expect(s.connection).toEqual({ status: 'failed', error: full, attempt: 4 });
    expect(s.notice).toBeNull();
  });

  it('before sign-in leaves everything but the connection alone', () => {
    const authenticating: State = { ...connected, connection: { status: 'authenticating', error: null, attempt: 0 } };
    const s = relayErrorState(authenticating, err('wrong-password'));
    expect(s.selfSessionId).toBe(3);
    expect(s.users).toBe(connected.users);
    expect(s.role).toBe('admin');
  });

  it('a kick while connected sends the user back to the sign-in form with a cleared view', () => {
    const kicked = err('kicked');
    const s = relayErrorState(connected, kicked);
    expect(s.connection).toEqual({ status: 'failed', error: kicked, attempt: 0 });
    expect(s.selfSessionId).toBeNull();
    // The room list is the tree's (one writer): it stays, like the tree.
    expect(s.rooms).toBe(connected.rooms);
    expect(s.users).toEqual([]);
    expect(s.roomId).toBeNull();
    expect(s.admin).toBeNull();
    expect(s.role).toBeNull();
    expect(s.notice).toBeNull();
  });

  it('the failed state it leaves stops any reconnect', () => {
    const s = relayErrorState(connected, err('banned'));
    expect(closedState(s, true, 0, policy)).toBeNull();
  });

  it('a non-fatal error while connected becomes a notice and changes nothing else', () => {
    const roomFull = err('room-full');
    const s = relayErrorState(connected, roomFull);
    expect(s.notice).toBe(roomFull);
    expect(s.connection).toBe(connected.connection);
    expect(s.users).toBe(connected.users);
    expect(s.selfSessionId).toBe(3);
  });

  it('a rate limit while connected is only a notice, so a later close still reconnects', () => {
    const s = relayErrorState(connected, err('rate-limited'));
    expect(s.notice?.code).toBe('rate-limited');
    expect(closedState(s, true, 0, policy)?.retry).toEqual({ attempt: 1, delayMs: 500 });
  });
});

describe('signedOutState', () => {
  it('returns to the initial state but keeps what belongs to this device', () => {
    const identity = { publicKeyHex: 'ab'.repeat(32), fingerprint: 'AB:CD' };
    const invite = { role: 'member' as const, expiresAtMs: 0 };
    const tree = { ...emptyTreeView, status: 'cached' as const };
    const voiceSettings = { ...initialState.voiceSettings, pttKey: 'Space' };
    const devices = { inputs: [{ id: 'mic1', label: 'USB mic' }], outputs: [], canChooseOutput: true };
    const netSim = { ...initialState.netSim, lossPct: 5 };
    const before: State = {
      ...connected,
      identity,
      muted: true,
      deafened: true,
      invite,
      tree,
      voiceSettings,
      devices,
      netSim,
      notice: err('room-full'),
      inputLevel: 0.7,
      transmitting: true,
      serverName: 'Home',
      createdInvite: { link: 'https://x/#i', role: 'member', expiresAtMs: 0, maxUses: 1 },
    };
    const chat = { ...initialChatState, conversations: new Map([[roomKey('lobby'), emptyConversation(roomKey('lobby'))]]) };
    const s = signedOutState(before, chat);

    expect(s.identity).toBe(identity);
    expect(s.muted).toBe(true);
    expect(s.deafened).toBe(true);
    expect(s.invite).toBe(invite);
    expect(s.chat).toBe(chat);
    expect(s.tree).toBe(tree);
    expect(s.voiceSettings).toBe(voiceSettings);
    expect(s.devices).toBe(devices);
    expect(s.netSim).toBe(netSim);

    expect(s.connection).toEqual({ status: 'idle', error: null, attempt: 0 });
    expect(s.selfSessionId).toBeNull();
    expect(s.roomId).toBeNull();
    expect(s.rooms).toBe(connected.rooms);
    expect(s.users).toEqual([]);
    expect(s.talking.size).toBe(0);
    expect(s.voice).toEqual({ status: 'off', error: null });
    expect(s.role).toBeNull();
    expect(s.admin).toBeNull();
    expect(s.notice).toBeNull();
    expect(s.createdInvite).toBeNull();
    expect(s.inputLevel).toBe(0);
    expect(s.transmitting).toBe(false);
    expect(s.serverName).toBe('');
  });
});

describe('closedState() after a relay restart (close code 1012)', () => {
  const connected: State = { ...initialState, connection: { status: 'connected', error: null, attempt: 0 } };

  it('says "Relay restarting…" and retries at once', async () => {
    const { errorText } = await import('../../../../client/ui/error-text.ts');
    const out = closedState(connected, true, 0, policy, 1012)!;
    expect(out.retry).toEqual({ attempt: 1, delayMs: 0 });
    expect(out.state.connection.status).toBe('reconnecting');
    expect(out.state.connection.error?.code).toBe('relay-restarting');
    expect(errorText(out.state.connection.error!)).toBe('Relay restarting…');
  });

  it('keeps saying restarting while the next process does not answer yet, with the usual backoff', () => {
    const first = closedState(connected, true, 0, policy, 1012)!;
    const second = closedState(first.state, false, 1, policy)!;
    expect(second.state.connection.error?.code).toBe('relay-restarting');
    expect(second.retry).toEqual({ attempt: 2, delayMs: 1_000 });
  });

  it('a plain lost connection (1006) still says connection lost and backs off', () => {
    const out = closedState(connected, true, 0, policy, 1006)!;
    expect(out.state.connection.error?.code).toBe('connection-lost');
    expect(out.retry).toEqual({ attempt: 1, delayMs: 500 });
  });
});
