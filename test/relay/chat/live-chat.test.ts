/** The in-memory seqs and ids of never-stored (temporary room) chat: numbering, retries, the bound, forgetting. */
import { describe, expect, it } from 'vitest';
import { LIVE_IDS_PER_ROOM, LiveChat } from '../../../relay/chat/live-chat.ts';

describe('LiveChat', () => {
  it('numbers posts 1, 2, 3 per room and answers a known id with its entry', () => {
    const live = new LiveChat();
    expect(live.post('r:a', 'id1', 'k1')).toBe(1);
    expect(live.post('r:b', 'id2', 'k2')).toBe(1);
    expect(live.post('r:a', 'id3', 'k2')).toBe(2);
    expect(live.lookup('id3')).toEqual({ conv: 'r:a', seq: 2, author: 'k2' });
    expect(live.lookup('nope')).toBeUndefined();
  });

  it(`remembers at most ${LIVE_IDS_PER_ROOM} ids per room, forgetting the oldest`, () => {
    const live = new LiveChat();
    for (let i = 0; i <= LIVE_IDS_PER_ROOM; i++) live.post('r:a', `id${i}`, 'k');
    expect(live.lookup('id0')).toBeUndefined();
    expect(live.lookup('id1')?.seq).toBe(2);
    expect(live.lookup(`id${LIVE_IDS_PER_ROOM}`)?.seq).toBe(LIVE_IDS_PER_ROOM + 1);
  });

  it('forgetting a room drops its ids and restarts its numbering; other rooms keep theirs', () => {
    const live = new LiveChat();
    live.post('r:a', 'id1', 'k');
    live.post('r:b', 'id2', 'k');
    live.forget('r:a');
    expect(live.lookup('id1')).toBeUndefined();
    expect(live.lookup('id2')?.seq).toBe(1);
    expect(live.post('r:a', 'id3', 'k')).toBe(1);
  });
});
