/**
 * The pure parts of voice workers: IPC message parsing (property tests: any
 * input is parsed or refused, never thrown; valid messages round-trip through
 * JSON), placement, and the presence mirror's room index.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseWorker, parseFromWorker, parseToWorker, VoiceMirror } from '../../../relay/voice/workers/index.ts';
import type { FromWorker, ToWorker } from '../../../relay/voice/workers/index.ts';

const json = fc.jsonValue();
const sid = fc.integer({ min: 1, max: 0xffff_ffff });
const str = fc.string({ maxLength: 200 });

const toWorker: fc.Arbitrary<ToWorker> = fc.oneof(
  fc.record({
    t: fc.constant('init' as const),
    index: fc.integer({ min: 0, max: 255 }),
    limits: fc.record({ datagramBurst: fc.nat(), datagramPerSecond: fc.nat(), sendBufferCap: fc.nat(), maxDatagramAgeMs: fc.nat() }),
    rtc: fc.record({ udpMuxPort: fc.integer({ min: 1, max: 65_535 }) }, { requiredKeys: [] }),
  }),
  fc.record({ t: fc.constant('peers' as const), ports: fc.array(fc.integer({ min: 0, max: 65_535 }), { maxLength: 8 }) }),
  fc.record({ t: fc.constant('presence' as const), s: sid, v: fc.nat(), m: fc.boolean(), d: fc.boolean() }),
  fc.record({ t: fc.constant('placed' as const), s: sid, w: fc.integer({ min: -1, max: 255 }) }),
  fc.record({ t: fc.constant('offer' as const), s: sid, sdp: str, b: fc.boolean(), o: fc.nat() }),
  fc.record({ t: fc.constant('candidate' as const), s: sid, candidate: str, mid: str }),
  fc.record({ t: fc.constant('end' as const), s: sid }),
  fc.record({ t: fc.constant('sync' as const), id: fc.nat() }),
);

const fromWorker: fc.Arbitrary<FromWorker> = fc.oneof(
  fc.record({ t: fc.constant('up' as const), port: fc.integer({ min: 1, max: 65_535 }) }),
  fc.record({ t: fc.constant('description' as const), s: sid, o: fc.nat(), type: str, sdp: str }),
  fc.record({ t: fc.constant('candidate' as const), s: sid, o: fc.nat(), candidate: str, mid: str }),
  fc.record({ t: fc.constant('ready' as const), s: sid }),
  fc.record({ t: fc.constant('rejected' as const), s: sid, what: fc.constantFrom('offer' as const, 'candidate' as const) }),
  fc.record({
    t: fc.constant('stats' as const),
    forwarded: fc.nat(),
    bundled: fc.nat(),
    drops: fc.record({ muted: fc.nat(), stale: fc.nat() }, { requiredKeys: [] }),
    samples: fc.array(fc.tuple(fc.constantFrom('muted' as const, 'rate-limited' as const), sid), { maxLength: 64 }),
  }),
  fc.record({ t: fc.constant('error' as const), where: str, message: str }),
  fc.record({ t: fc.constant('synced' as const), id: fc.nat() }),
);

describe('voice worker IPC parsing', () => {
  it('parseToWorker() and parseFromWorker() never throw on any JSON value', () => {
    fc.assert(
      fc.property(json, (x) => {
        parseToWorker(x);
        parseFromWorker(x);
      }),
    );
  });

  it('parseToWorker() returns every valid message as sent through JSON', () => {
    fc.assert(fc.property(toWorker, (m) => {
      expect(parseToWorker(JSON.parse(JSON.stringify(m)))).toEqual(m);
    }));
  });

  it('parseFromWorker() returns every valid message as sent through JSON', () => {
    fc.assert(fc.property(fromWorker, (m) => {
      expect(parseFromWorker(JSON.parse(JSON.stringify(m)))).toEqual(m);
    }));
  });

  it('parseFromWorker() refuses wrong field types, unknown drop reasons and session 0', () => {
    expect(parseFromWorker({ t: 'ready', s: 0 })).toBeUndefined();
    expect(parseFromWorker({ t: 'ready', s: '1' })).toBeUndefined();
    expect(parseFromWorker({ t: 'up', port: 70_000 })).toBeUndefined();
    expect(parseFromWorker({ t: 'stats', forwarded: 1, bundled: 0, drops: { bogus: 1 }, samples: [] })).toBeUndefined();
    expect(parseFromWorker({ t: 'stats', forwarded: -1, bundled: 0, drops: {}, samples: [] })).toBeUndefined();
    expect(parseFromWorker({ t: 'rejected', s: 1, what: 'other' })).toBeUndefined();
    expect(parseFromWorker({ t: 'description', s: 1, type: 'answer', sdp: 'x'.repeat(70_000) })).toBeUndefined();
    expect(parseToWorker({ t: 'placed', s: 1, w: -2 })).toBeUndefined();
    expect(parseToWorker({ t: 'init', index: 0, limits: {}, rtc: {} })).toBeUndefined();
    expect(parseToWorker(null)).toBeUndefined();
  });
});

describe('chooseWorker()', () => {
  it('picks the worker holding most of the room, else the least loaded, ties to the lower index', () => {
    expect(chooseWorker([])).toBeUndefined();
    expect(chooseWorker([{ index: 0, load: 5, roomMembers: 2 }, { index: 1, load: 1, roomMembers: 1 }])).toBe(0);
    expect(chooseWorker([{ index: 0, load: 5, roomMembers: 0 }, { index: 1, load: 1, roomMembers: 0 }])).toBe(1);
    expect(chooseWorker([{ index: 0, load: 3, roomMembers: 1 }, { index: 1, load: 2, roomMembers: 1 }])).toBe(1);
    expect(chooseWorker([{ index: 1, load: 0, roomMembers: 0 }, { index: 0, load: 0, roomMembers: 0 }])).toBe(0);
  });
});

describe('VoiceMirror', () => {
  it('indexes local members for fan-out and counts remote ones per worker, following moves, placement and leaves', () => {
    const m = new VoiceMirror(0);
    m.presence(1, 7, false, false);
    m.placed(1, 0);
    m.presence(2, 7, false, true);
    m.placed(2, 1);
    m.placed(3, 1);
    m.presence(3, 7, true, false);
    const room = m.route(7)!;
    expect([...room.members].map((x) => x.sessionId)).toEqual([1]);
    expect([...room.remote]).toEqual([[1, 2]]);
    expect(m.voiceSender(1)).toMatchObject({ muted: false, room: { voiceId: 7 } });
    expect(m.voiceSender(3)?.muted).toBe(true);
    m.presence(2, 8, false, false);
    expect([...room.remote]).toEqual([[1, 1]]);
    m.workerGone(1);
    expect(room.remote.size).toBe(0);
    expect(m.route(8)!.remote.size).toBe(0);
    m.presence(1, 0, false, false);
    expect(room.members.size).toBe(0);
    expect(m.voiceSender(1)).toBeUndefined();
  });
});
