import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FileTransfer, memoryChunkStore, prepareShare } from '../../../client/files/index.ts';
import type { ChunkStore, FrameLink, PreparedShare, TransferView } from '../../../client/files/index.ts';
import { decodeFileWire, encodeFileWire } from '../../../client/files/file-wire.ts';

const CHUNK = 16 * 1024;
const FILE_ID = new Uint8Array(16).fill(7);
const HEX = '07'.repeat(16);

/** Two FrameLinks joined back to back; delivery is async like a real channel. `tamper` rewrites what b sends to a. */
function linkPair(tamper: (frame: Uint8Array) => Uint8Array = (f) => f): [FrameLink, FrameLink] {
  type End = FrameLink & { peer?: End; open: boolean };
  const make = (): End => ({
    path: 'direct',
    open: true,
    onFrame: null,
    onClose: null,
    async send(frame) {
      if (!this.open) throw new Error('closed');
      const to = this.peer!;
      const out = this === b ? tamper(frame) : frame;
      queueMicrotask(() => to.onFrame?.(out));
    },
    close() {
      if (!this.open) return;
      this.open = false;
      this.peer!.open = false;
      this.onClose?.();
      this.peer!.onClose?.();
    },
  });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

function fileBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

async function share(bytes: Uint8Array): Promise<{ store: ChunkStore; prepared: PreparedShare }> {
  const store = memoryChunkStore();
  const file = new File([bytes as Uint8Array<ArrayBuffer>], 'data.bin', { type: 'application/octet-stream' });
  const prepared = await prepareShare({ file, relayKey: new Uint8Array(32), fileId: FILE_ID, authorKey: new Uint8Array(32).fill(1), target: { kind: 'room', roomId: 'lobby' }, chunkSize: CHUNK }, store);
  return { store, prepared };
}

async function seeder(bytes: Uint8Array): Promise<{ t: FileTransfer; prepared: PreparedShare }> {
  const { store, prepared } = await share(bytes);
  const t = new FileTransfer({ manifest: prepared.fields, store, now: () => 0, onChange: () => {} });
  await t.loaded;
  expect(t.view.status).toBe('complete');
  return { t, prepared };
}

async function assembled(store: ChunkStore, n: number): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push((await store.get(HEX, i))!);
  return Buffer.concat(parts);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function last(views: TransferView[]): TransferView['status'] | undefined {
  return views.at(-1)?.status;
}

describe('FileTransfer', () => {
  it('drops a peer that serves a corrupted chunk, reports it, and completes the file from another peer', async () => {
    const bytes = fileBytes(40 * CHUNK + 17, 7);
    const { t: honest, prepared } = await seeder(bytes);
    const { t: liar } = await seeder(bytes);
    const store = memoryChunkStore();
    const views: TransferView[] = [];
    const bad: [string, number][] = [];
    const t = new FileTransfer({ manifest: prepared.fields, store, now: () => 0, onChange: (v) => views.push(v), onBadPeer: (p, i) => bad.push([p, i]) });
    // The liar flips a byte in every piece it serves (hash blocks pass untouched).
    const flip = (f: Uint8Array): Uint8Array => {
      const d = decodeFileWire(f);
      if (!d.ok || d.msg.case !== 'piece') return f;
      const data = d.msg.value.data.slice();
      data[0]! ^= 1;
      return encodeFileWire({ msg: { case: 'piece', value: { ...d.msg.value, data } } });
    };
    const [toLiar, liarSide] = linkPair(flip);
    const [toHonest, honestSide] = linkPair();
    liar.addPeer('me', liarSide);
    honest.addPeer('me', honestSide);
    t.addPeer('liar', toLiar);
    t.addPeer('honest', toHonest);
    await t.download();
    await expect.poll(() => last(views)).toBe('complete');
    expect(bad.length).toBe(1);
    expect(bad[0]![0]).toBe('liar');
    expect(t.peerIds).toEqual(['honest']);
    expect(sha(await assembled(store, 41))).toBe(sha(bytes));
  });

  it('resumes from chunks already held and asks only for the rest', async () => {
    const bytes = fileBytes(10 * CHUNK, 3);
    const { t: src, prepared } = await seeder(bytes);
    const store = memoryChunkStore();
    for (const i of [0, 1, 2, 5]) await store.put(HEX, i, bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
    const requested: number[] = [];
    const [mine, theirs] = linkPair();
    const send = mine.send.bind(mine);
    mine.send = (f) => {
      const d = decodeFileWire(f);
      if (d.ok && d.msg.case === 'request') requested.push(d.msg.value.chunk);
      return send(f);
    };
    const views: TransferView[] = [];
    const t = new FileTransfer({ manifest: prepared.fields, store, now: () => 0, onChange: (v) => views.push(v) });
    await t.loaded;
    expect(t.view.progress.heldChunks).toBe(4);
    t.addPeer('src', mine);
    // Linked once both ends listen (what src says first must not fall on a link nobody reads yet).
    src.addPeer('me', theirs);
    await t.download();
    await expect.poll(() => last(views)).toBe('complete');
    expect(requested.sort((a, b) => a - b)).toEqual([3, 4, 6, 7, 8, 9]);
    expect(sha(await assembled(store, 10))).toBe(sha(bytes));
  });

  it('says it waits when no linked peer has the file, and continues when one does', async () => {
    const bytes = fileBytes(4 * CHUNK, 5);
    const { t: full, prepared } = await seeder(bytes);
    const empty = new FileTransfer({ manifest: prepared.fields, store: memoryChunkStore(), now: () => 0, onChange: () => {} });
    const views: TransferView[] = [];
    const t = new FileTransfer({ manifest: prepared.fields, store: memoryChunkStore(), now: () => 0, onChange: (v) => views.push(v) });
    await t.download();
    expect(t.view.status).toBe('waiting');
    const [a, b] = linkPair();
    empty.addPeer('me', b);
    t.addPeer('empty', a);
    await expect.poll(() => last(views)).toBe('waiting');
    const [c, d] = linkPair();
    full.addPeer('me', d);
    t.addPeer('full', c);
    await expect.poll(() => last(views)).toBe('complete');
  });

  it('does not serve when seeding is stopped (the downloader waits), and cancel stops the wait', async () => {
    const bytes = fileBytes(3 * CHUNK, 9);
    const { t: src, prepared } = await seeder(bytes);
    src.setSeeding(false);
    const views: TransferView[] = [];
    const t = new FileTransfer({ manifest: prepared.fields, store: memoryChunkStore(), now: () => 0, onChange: (v) => views.push(v) });
    const [a, b] = linkPair();
    src.addPeer('me', b);
    t.addPeer('src', a);
    await t.download();
    await expect.poll(() => last(views)).toBe('waiting');
    expect(t.view.progress.heldChunks).toBe(0);
    t.cancel();
    expect(t.view.status).toBe('cancelled');
  });

  it('drops a peer that sends garbage or a hash block that does not match the manifest', async () => {
    const bytes = fileBytes(2 * CHUNK, 11);
    const { prepared } = await share(bytes);
    const views: TransferView[] = [];
    const t = new FileTransfer({ manifest: prepared.fields, store: memoryChunkStore(), now: () => 0, onChange: (v) => views.push(v) });
    const [a, b] = linkPair();
    // It says it holds the whole file (a peer always tells what it holds first), then forges the hash block it is asked for.
    void b.send(encodeFileWire({ msg: { case: 'have', value: { fileId: FILE_ID, complete: true, bitfield: new Uint8Array(0) } } }));
    b.onFrame = (f) => {
      const d = decodeFileWire(f);
      if (d.ok && d.msg.case === 'hashRequest') void b.send(encodeFileWire({ msg: { case: 'hashBlock', value: { fileId: FILE_ID, block: 0, data: new Uint8Array(64) } } }));
    };
    t.addPeer('forger', a);
    await t.download();
    await expect.poll(() => t.peerIds).toEqual([]);
    expect(t.view.error?.code).toBe('bad-chunk');
    const [c, d] = linkPair();
    t.addPeer('noise', c);
    await d.send(new Uint8Array([0xff, 0xff, 0xff]));
    await expect.poll(() => t.peerIds).toEqual([]);
    expect(t.view.error?.code).toBe('bad-frame');
  });
});
