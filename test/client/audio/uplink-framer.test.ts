import { describe, expect, it } from 'vitest';
import { decodeUplink, VoiceFlags } from '../../../proto/index.ts';
import { UplinkFramer } from '../../../client/audio/uplink-framer.ts';

const voice = Uint8Array.of(0x78, 1, 2, 3, 4, 5);
const dtx = Uint8Array.of(0xf8);

function parse(bytes: Uint8Array | null) {
  if (!bytes) return null;
  const r = decodeUplink(bytes);
  if (!r.ok) throw new Error(r.error.detail);
  return r.value;
}

describe('UplinkFramer.frame', () => {
  it('sends nothing but periodic keep-alives while the gate is closed, and ts keeps running', () => {
    const f = new UplinkFramer({ seq: 10, ts: 1000, keepaliveFrames: 100 });
    const sent = Array.from({ length: 250 }, () => parse(f.frame(null)));
    const keepalives = sent.flatMap((d, i) => (d?.kind === 'keepalive' ? [i] : []));
    expect(keepalives).toEqual([0, 100, 200]); // one right away, then every 2 s
    expect(sent.filter((d) => d && d.kind !== 'keepalive')).toEqual([]);
    expect(f.nextTs).toBe(1000 + 250 * 960);
    expect(f.nextSeq).toBe(10);
  });

  it('numbers voice packets +1 and stamps ts +960 per frame, Marker on the first', () => {
    const f = new UplinkFramer({ seq: 0xfffffffe, ts: 0xffffffff - 959, keepaliveFrames: 100 });
    f.frame(null); // keep-alive
    f.setTransmitting(true);
    const a = parse(f.frame(voice));
    const b = parse(f.frame(voice));
    const c = parse(f.frame(voice));
    expect(a).toMatchObject({ kind: 'voice', seq: 0xfffffffe, ts: 0, flags: VoiceFlags.Marker });
    expect(b).toMatchObject({ kind: 'voice', seq: 0xffffffff, ts: 960, flags: 0 });
    expect(c).toMatchObject({ kind: 'voice', seq: 0, ts: 1920, flags: 0 });
  });

  it('flags the last packet End when the gate closes, then goes quiet', () => {
    const f = new UplinkFramer({ seq: 1, ts: 0 });
    f.setTransmitting(true);
    f.frame(voice);
    f.setTransmitting(false);
    expect(f.wantsAudio).toBe(true);
    expect(parse(f.frame(voice))).toMatchObject({ kind: 'voice', seq: 2, flags: VoiceFlags.End });
    expect(f.wantsAudio).toBe(false);
    expect(f.frame(voice)).toBeNull();
  });

  it('sends only the first DTX frame of a silent stretch, the refreshes, and Marker when speech resumes', () => {
    const f = new UplinkFramer({ seq: 0, ts: 0, keepaliveFrames: 1000 });
    f.frame(null);
    f.setTransmitting(true);
    const out: (ReturnType<typeof parse>)[] = [];
    out.push(parse(f.frame(voice, false))); // seq 0, Marker (start)
    out.push(parse(f.frame(dtx, true))); //    seq 1, DTX start
    out.push(parse(f.frame(dtx, true))); //    skipped
    out.push(parse(f.frame(dtx, true))); //    skipped
    out.push(parse(f.frame(voice, true))); //  seq 2, comfort-noise refresh: no Marker
    out.push(parse(f.frame(dtx, true))); //    seq 3, DTX again
    out.push(parse(f.frame(voice, false))); // seq 4, speech: Marker
    expect(out.map((d) => (d?.kind === 'voice' ? [d.seq, d.ts / 960, d.flags] : null))).toEqual([
      [0, 1, VoiceFlags.Marker],
      [1, 2, 0],
      null,
      null,
      [2, 5, 0],
      [3, 6, 0],
      [4, 7, VoiceFlags.Marker],
    ]);
  });

  it('sends a keep-alive during a long DTX stretch', () => {
    const f = new UplinkFramer({ seq: 0, ts: 0, keepaliveFrames: 100 });
    f.frame(null);
    f.setTransmitting(true);
    f.frame(dtx, true);
    const kinds = Array.from({ length: 150 }, () => parse(f.frame(dtx, true))?.kind ?? null);
    expect(kinds.filter((k) => k === 'keepalive')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'voice')).toHaveLength(0);
  });

  it('owes no End packet when nothing was sent during the spurt', () => {
    const f = new UplinkFramer({ seq: 0, ts: 0 });
    f.setTransmitting(true);
    f.setTransmitting(false);
    expect(f.wantsAudio).toBe(false);
  });
});
