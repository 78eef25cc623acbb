/**
 * Bundles on a real relay with real node-datachannel clients: when frames
 * reach the relay faster than one per listener per I/O turn (two senders
 * bursting), a listener whose offer said it reads bundles gets some of them
 * packed together, a listener that did not gets every frame on its own, and
 * both get every frame exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatagramKind, decodeDownlink, encodeVoice } from '../../../proto/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const BURST = 40;
const MAX_ROUNDS = 10;

let started: StartedRelay;
let s1: TestClient;
let s2: TestClient;
let reader: TestClient;
let plain: TestClient;

beforeAll(async () => {
  // Synthetic stamps and bursts: the age gate and the per-sender cap are tested elsewhere.
  started = await startRelay({ limits: { maxDatagramAgeMs: 0, datagramBurst: 100_000 } });
  const url = started.relay.wsUrl;
  [s1, s2, reader, plain] = await Promise.all(['S1', 'S2', 'Reader', 'Plain'].map((name) => connectClient(url, { name })));
  await Promise.all([s1!.openVoice(), s2!.openVoice(), reader!.openVoice({ bundles: true }), plain!.openVoice({ bundles: false })]);
});

afterAll(async () => {
  await Promise.all([s1, s2, reader, plain].map((c) => c?.close()));
  await started?.cleanup();
});

/** Collects `n` frames from `client` as "sender:seq". */
function collect(client: TestClient, n: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) => {
    const off = client.onDatagram((d) => {
      const v = decodeDownlink(d);
      got.push(v.ok ? `${v.value.sender}:${v.value.seq}` : `undecodable:${v.error.code}`);
      if (got.length === n) {
        off();
        resolve(got);
      }
    });
  });
}

describe('bundles on a real relay', () => {
  it('packs bursts for the client that reads bundles only; everyone gets every frame once', async () => {
    let seq = 0;
    for (let round = 0; round < MAX_ROUNDS && reader.bundlesReceived === 0; round++) {
      const want: string[] = [];
      const readerGot = collect(reader, 2 * BURST);
      const plainGot = collect(plain, 2 * BURST);
      for (let i = 0; i < BURST; i++, seq++) {
        const frame = encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(seq & 0xff, 7, 7) });
        s1.sendDatagram(frame);
        s2.sendDatagram(frame);
        want.push(`${s1.sessionId}:${seq}`, `${s2.sessionId}:${seq}`);
      }
      want.sort();
      expect((await readerGot).sort()).toEqual(want);
      expect((await plainGot).sort()).toEqual(want);
    }
    expect(reader.bundlesReceived).toBeGreaterThan(0);
    expect(plain.bundlesReceived).toBe(0);
    const stats = started.relay.stats();
    expect(stats.bundled).toBeGreaterThan(0);
    expect(stats.bundled).toBeLessThanOrEqual(stats.forwarded);
    // Nothing the plain client received was a bundle: its datagram count equals its frames.
    expect(plain.datagrams.every((d) => d[0] === DatagramKind.Forwarded)).toBe(true);
  });
});
