import { describe, expect, it } from 'vitest';
import { MicTestLoop } from '../../../client/audio/mic-test.ts';
import { MIC_TEST_SENDER } from '../../../client/audio/types.ts';
import { decodeDownlink, encodeKeepalive, encodeVoice } from '../../../proto/datagram.ts';

const voice = (seq: number) => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(1, 2, 3) });

describe('MicTestLoop.route', () => {
  it('passes everything through while off', () => {
    const m = new MicTestLoop();
    const v = voice(1);
    expect(m.route(v, 3)).toEqual({ send: v, local: null });
  });

  it('plays voice locally from MIC_TEST_SENDER and sends only a keep-alive per 100 frames while on', () => {
    const m = new MicTestLoop();
    expect(m.set(true)).toBe(true);
    const routes = Array.from({ length: 200 }, (_, i) => m.route(voice(i), 3));
    const local = decodeDownlink(routes[7]!.local!);
    expect(local.ok && local.value).toMatchObject({ sender: MIC_TEST_SENDER, room: 3, seq: 7 });
    const sent = routes.filter((r) => r.send !== null);
    expect(sent).toHaveLength(2);
    expect(sent.every((r) => r.send!.byteLength === 1)).toBe(true);
    const ka = encodeKeepalive();
    expect(m.route(ka, 3)).toEqual({ send: ka, local: null });
  });
});
