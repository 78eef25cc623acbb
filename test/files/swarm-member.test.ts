/**
 * SwarmMember's storage edge (issue 16): a chunk counts as held by the
 * download only once `keep` has stored it. Two members in one process, the
 * sharer and a downloader, exchange real encoded FileWire frames; the
 * downloader's store is a test port whose writes the test resolves or fails.
 * The clock is injected and never advanced: nothing here waits for time.
 */
import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../proto/index.ts';
import { SwarmMember } from '../../files/index.ts';
import type { SwarmPorts, WireOut } from '../../files/index.ts';
import { stillClock as still, testFile } from '../helpers/files/test-manifest.ts';
import { decodeFileWire, encodeFileWire } from '../../client/files/file-wire.ts';

const CHUNK = 16;

interface Write {
  readonly index: number;
  settled: boolean;
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/** A sharer holding `chunks` chunks and a downloader whose writes wait for the test. */
async function pair(chunks: number) {
  const { bytes, fields: manifest, blocks } = await testFile(chunks, CHUNK, { step: 7, fileIdByte: 3 });
  const queue: { to: 'tx' | 'rx'; from: string; bytes: Uint8Array }[] = [];
  const writes: Write[] = [];
  const stored = new Map<number, Uint8Array>();
  const got: number[] = [];
  const ports = (self: 'tx' | 'rx', other: 'tx' | 'rx'): SwarmPorts => ({
    send: (_peer, msg: WireOut) => {
      queue.push({ to: other, from: self, bytes: encodeFileWire({ msg }) });
      return true;
    },
    chunk: async (i) => (self === 'tx' ? bytes.slice(i * CHUNK, (i + 1) * CHUNK) : (stored.get(i) ?? null)),
    keep: (index, data) =>
      new Promise<void>((resolve, reject) => {
        const w: Write = {
          index,
          settled: false,
          resolve: () => {
            w.settled = true;
            stored.set(index, data);
            resolve();
          },
          reject: (e) => {
            w.settled = true;
            reject(e);
          },
        };
        writes.push(w);
      }),
    wantPeers: () => true,
    announce: () => {},
    fault: (peer, code, chunk) => {
      throw new Error(`unexpected fault ${code} from ${peer} at ${chunk}`);
    },
    gotChunk: (_peer, index) => void got.push(index),
    changed: () => {},
  });
  const tx = new SwarmMember({ manifest, ports: ports('tx', 'rx'), clock: still, have: new Bitfield(chunks, true) });
  for (const [b, block] of blocks.entries()) expect(await tx.learnHashBlock(b, block)).toBe(true);
  const rx = new SwarmMember({ manifest, ports: ports('rx', 'tx'), clock: still });
  const members = { tx, rx };
  let deliveries = 0;
  /**
   * Delivers queued frames (and those they cause) until nothing moves: no
   * frame queued, and every handler still running is the one waiting on an
   * unsettled write (a piece's handler waits on its write, which the test
   * settles). A state barrier, not a delay: hashing takes what it takes.
   */
  const flush = async (): Promise<void> => {
    for (let n = 0; queue.length > 0 || deliveries > writes.filter((w) => !w.settled).length; n++) {
      if (n > 100_000) throw new Error('frames never stop');
      for (const f of queue.splice(0)) {
        const decoded = decodeFileWire(f.bytes);
        if (!decoded.ok) throw new Error('a member sent a frame that does not decode');
        deliveries++;
        void members[f.to].onWire(f.from, decoded.msg).finally(() => deliveries--);
      }
      await new Promise<void>((r) => setImmediate(r));
    }
  };
  return { tx, rx, writes, stored, got, flush, bytes };
}

describe('SwarmMember and its store', () => {
  it('is complete only once the last write resolved: until then it is busy and the chunk is not reported got', async () => {
    const s = await pair(3);
    s.rx.start();
    s.tx.addPeer('rx');
    s.rx.addPeer('tx');
    await s.flush();
    expect(s.writes.map((w) => w.index).sort()).toEqual([0, 1, 2]);
    // Every chunk arrived and was checked: all three bits are set, but nothing is stored yet.
    expect(s.rx.have.complete).toBe(true);
    expect(s.rx.complete).toBe(false);
    expect(s.rx.busy).toBe(true);
    for (const w of s.writes.slice(0, 2)) w.resolve();
    await s.flush();
    expect(s.rx.complete).toBe(false);
    expect(s.got).toHaveLength(2);
    s.writes[2]!.resolve();
    await s.flush();
    expect(s.rx.complete).toBe(true);
    expect(s.rx.active).toBe(false);
    expect(s.got.sort()).toEqual([0, 1, 2]);
    expect(Buffer.concat([0, 1, 2].map((i) => s.stored.get(i)!))).toEqual(Buffer.from(s.bytes));
  });

  it('a write that fails stops the download and leaves that chunk not held; the next start fetches only it', async () => {
    const s = await pair(4);
    s.rx.start();
    s.tx.addPeer('rx');
    s.rx.addPeer('tx');
    await s.flush();
    const [first, failing, ...rest] = s.writes;
    first!.resolve();
    failing!.reject(new Error('QuotaExceededError'));
    for (const w of rest) w.resolve();
    await s.flush();
    expect(s.rx.failure).toBeInstanceOf(Error);
    expect(s.rx.active).toBe(false);
    expect(s.rx.complete).toBe(false);
    expect(s.rx.have.has(failing!.index)).toBe(false);
    expect(s.rx.have.count).toBe(3);

    const before = s.writes.length;
    s.rx.start();
    await s.flush();
    expect(s.writes.slice(before).map((w) => w.index)).toEqual([failing!.index]);
    s.writes.at(-1)!.resolve();
    await s.flush();
    expect(s.rx.failure).toBeNull();
    expect(s.rx.complete).toBe(true);
    expect(Buffer.concat([0, 1, 2, 3].map((i) => s.stored.get(i)!))).toEqual(Buffer.from(s.bytes));
  });
});
