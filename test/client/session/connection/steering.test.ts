/**
 * Room placement on the client (client/session/connection/steering.ts): a
 * RoomPlacement is followed only when connected, for the room the session is
 * in, to a relay of the list that is not the current one, at most MAX_MOVES
 * times per window, never to a relay that failed the client in the last
 * RELAY_DOWN_MS; a move waits while the user is talking, up to
 * SILENCE_WAIT_MS. Virtual clock; the relay list is the real one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RelayList } from '../../../../client/session/connection/relay-list.ts';
import { MAX_MOVES, MOVE_WINDOW_MS, RELAY_DOWN_MS, SILENCE_WAIT_MS, Steering, placementVerdict } from '../../../../client/session/connection/steering.ts';
import { initialState } from '../../../../client/session/state.ts';
import type { State } from '../../../../client/session/state.ts';
import { VirtualClock } from '../../../helpers/virtual-clock.ts';

const HOME = 'ws://home.test/ws';
const OTHER = 'ws://other.test/ws';
const THIRD = 'ws://third.test/ws';
const inRoom = (roomId: string, transmitting = false): State => ({ ...initialState, roomId, transmitting, connection: { status: 'connected', error: null, attempt: 0 } });
const placement = (roomId: string, relayUrl: string) => ({ $typeName: 'parley.v1.RoomPlacement' as const, roomId, relayUrl });

function rig(state: { s: State }) {
  const clock = new VirtualClock(1_000_000);
  const relays = new RelayList(HOME, undefined, clock.now);
  relays.accept([OTHER, THIRD]);
  const reconnects: string[] = [];
  const steering = new Steering({ state: () => state.s, relays, reconnect: () => reconnects.push(relays.current), now: clock.now, setTimer: clock.setTimer, clearTimer: clock.clearTimer });
  return { clock, relays, reconnects, steering };
}

describe('room placement on the client', () => {
  it('follows only a placement for its own room, to another relay of the list, while connected (property)', () => {
    const urls = fc.constantFrom(HOME, OTHER, THIRD, 'ws://stranger.test/ws', 'javascript:x');
    fc.assert(
      fc.property(fc.constantFrom('a', 'b'), fc.constantFrom('a', 'b'), urls, fc.constantFrom('connected', 'reconnecting', 'connecting'), (mine, told, url, status) => {
        const relays = new RelayList(HOME);
        relays.accept([OTHER, THIRD]);
        const state: State = { ...inRoom(mine), connection: { status: status as 'connected', error: null, attempt: 0 } };
        const v = placementVerdict(state, placement(told, url), relays, [], 0);
        const ok = status === 'connected' && mine === told && url !== HOME && (url === OTHER || url === THIRD);
        expect(v === 'move').toBe(ok);
      }),
    );
  });

  it('is not steered to a relay that just failed it: not until it signed in there again or RELAY_DOWN_MS passed', () => {
    const state = { s: inRoom('a') };
    const { steering, reconnects, relays, clock } = rig(state);
    // OTHER was killed under the client: the connection to it was lost, it failed over to THIRD.
    relays.moveTo(OTHER);
    relays.advance();
    expect(relays.current).toBe(THIRD);
    // THIRD still names OTHER as the room's holder (its lease has not expired yet).
    expect(placementVerdict(state.s, placement('a', OTHER), relays, [], clock.now())).toBe('relay-down');
    steering.offer(placement('a', OTHER));
    expect(reconnects).toEqual([]);
    expect(steering.recentMoves).toBe(0);
    // Another relay is still a target.
    expect(placementVerdict(state.s, placement('a', HOME), relays, [], clock.now())).toBe('move');
    clock.advance(RELAY_DOWN_MS);
    steering.offer(placement('a', OTHER));
    expect(reconnects).toEqual([OTHER]);

    // A relay that failed once and then took the client's sign-in again is a target at once.
    const again = rig({ s: inRoom('a') });
    again.relays.moveTo(OTHER);
    again.relays.advance();
    again.relays.moveTo(OTHER);
    again.relays.accept([OTHER, THIRD]);
    again.relays.moveTo(THIRD);
    again.steering.offer(placement('a', OTHER));
    expect(again.reconnects).toEqual([OTHER]);
  });

  it('moves at once when quiet: to the named relay, through a reconnect', () => {
    const state = { s: inRoom('a') };
    const { steering, reconnects, relays } = rig(state);
    steering.offer(placement('a', OTHER));
    expect(reconnects).toEqual([OTHER]);
    expect(relays.current).toBe(OTHER);
  });

  it('waits while the user talks, moves once they stop, and never waits past the bound', () => {
    const state = { s: inRoom('a', true) };
    const { steering, reconnects, clock } = rig(state);
    steering.offer(placement('a', OTHER));
    clock.advance(1_000);
    expect(reconnects).toEqual([]);
    state.s = inRoom('a', false);
    clock.advance(250);
    expect(reconnects).toEqual([OTHER]);

    const talker = { s: inRoom('a', true) };
    const r2 = rig(talker);
    r2.steering.offer(placement('a', THIRD));
    r2.clock.advance(SILENCE_WAIT_MS - 300);
    expect(r2.reconnects).toEqual([]);
    r2.clock.advance(600);
    expect(r2.reconnects).toEqual([THIRD]);
  });

  it('forgets a waiting move when the connection goes, or when the user left the room meanwhile', () => {
    const state = { s: inRoom('a', true) };
    const { steering, reconnects, clock } = rig(state);
    steering.offer(placement('a', OTHER));
    steering.cancel();
    clock.advance(SILENCE_WAIT_MS * 2);
    expect(reconnects).toEqual([]);
    steering.offer(placement('a', OTHER));
    state.s = inRoom('b', false);
    clock.advance(SILENCE_WAIT_MS * 2);
    expect(reconnects).toEqual([]);
  });

  it('is not steered in a loop: at most MAX_MOVES moves per window, then again after it', () => {
    const state = { s: inRoom('a') };
    const { steering, reconnects, clock } = rig(state);
    const targets = [OTHER, THIRD, HOME, OTHER, THIRD, HOME];
    for (const url of targets) {
      steering.offer(placement('a', url));
      clock.advance(1_000);
    }
    expect(reconnects).toEqual(targets.slice(0, MAX_MOVES));
    expect(steering.recentMoves).toBe(MAX_MOVES);
    clock.advance(MOVE_WINDOW_MS);
    steering.offer(placement('a', OTHER));
    expect(reconnects.length).toBe(MAX_MOVES + 1);
  });
});
