/**
 * SwarmMember's `awaitFirstAnswer` (issue 16, the node test peer's
 * corrupting-peer test): nothing is asked until every peer the tracker's
 * first answer named has said what it holds, and that wait ends when such a
 * peer can never say it: its connection failed before it was linked, or it
 * linked first and said it already. One member, its sent frames recorded;
 * the clock is injected and never advanced.
 */
import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../proto/index.ts';
import { SwarmMember } from '../../files/index.ts';
import type { WireIn, WireOut } from '../../files/index.ts';
import { stillClock as still, testFile } from '../helpers/files/test-manifest.ts';
import { decodeFileWire, encodeFileWire } from '../../client/files/file-wire.ts';

const CHUNK = 16;
const CHUNKS = 4;

/** A message as the other side's link delivers it (encoded and decoded, as on the wire). */
function wire(msg: WireOut): WireIn {
  const d = decodeFileWire(encodeFileWire({ msg }));
  if (!d.ok) throw new Error('does not decode');
  return d.msg;
}

/** A downloader that already knows the hash blocks, and the requests it sends (by peer). */
async function downloader(window?: number) {
  const { fields: manifest, blocks } = await testFile(CHUNKS, CHUNK, { fileIdByte: 5 });
  const requests: { peer: string; chunk: number }[] = [];
  const member = new SwarmMember({
    manifest,
    clock: still,
    awaitFirstAnswer: true,
    ...(window ? { window } : {}),
    ports: {
      send: (peer, msg: WireOut) => {
        if (msg?.case === 'request') requests.push({ peer, chunk: msg.value.chunk ?? -1 });
        return true;
      },
      chunk: async () => null,
      keep: async () => {},
      wantPeers: () => true,
      announce: () => {},
      fault: () => {},
      changed: () => {},
    },
  });
  for (const [b, block] of blocks.entries()) expect(await member.learnHashBlock(b, block)).toBe(true);
  const haveAll = wire({ case: 'have', value: { fileId: manifest.fileId, complete: true } });
  const reject = (chunk: number): WireIn => wire({ case: 'reject', value: { fileId: manifest.fileId, chunk } });
  return { member, requests, haveAll, reject };
}

describe('SwarmMember awaitFirstAnswer', () => {
  it('asks nobody until every named peer said what it holds; a named peer whose link never opened is no longer awaited', async () => {
    const d = await downloader();
    d.member.start();
    d.member.trackerAnswered(['a', 'b'], 2);
    d.member.addPeer('a', { hint: new Bitfield(CHUNKS, true) });
    await d.member.onWire('a', d.haveAll);
    expect(d.requests).toEqual([]);
    // b's connection failed: it was never linked, so it never will say what it holds.
    d.member.removePeer('b');
    expect(d.requests.length).toBeGreaterThan(0);
    expect(new Set(d.requests.map((r) => r.peer))).toEqual(new Set(['a']));
  });

  it('does not await a peer that linked before the answer and already said what it holds', async () => {
    const d = await downloader(1);
    d.member.start();
    // a linked first (it opened the connection) and said what it holds: one chunk asked (window 1).
    await d.member.onWire('a', d.haveAll);
    expect(d.requests).toHaveLength(1);
    d.member.trackerAnswered(['a'], 0);
    // a refuses it: the next chunk is asked at once, a is not awaited (it will not say what it holds again).
    await d.member.onWire('a', d.reject(d.requests[0]!.chunk));
    expect(d.requests).toHaveLength(2);
    expect(d.requests[1]!.chunk).not.toBe(d.requests[0]!.chunk);
  });
});
