import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { FileTransfer, memoryChunkStore } from '../../../client/files/index.ts';
import type { ChunkLayout, FrameLink, TransferView } from '../../../client/files/index.ts';

const CHUNK = 1024;

function layoutOf(bytes: Uint8Array): ChunkLayout {
  const chunkHashes: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; at += CHUNK) chunkHashes.push(new Uint8Array(createHash('sha256').update(bytes.subarray(at, at + CHUNK)).digest()));
  return { size: bytes.byteLength, chunkSize: CHUNK, chunkHashes };
}

/** Two FrameLinks joined back to back; delivery is async like a real channel. */
function linkPair(tamper: (frame: Uint8Array) => Uint8Array = (f) => f): [FrameLink, FrameLink] {
  const make = (): FrameLink & { peer?: FrameLink; open: boolean } => ({
    path: 'direct',
    open: true,
    onFrame: null,
    onClose: null,
    async send(frame) {
      if (!this.open) throw new Error('closed');
      const to = this.peer!;
      queueMicrotask(() => to.onFrame?.(this === a ? frame : tamper(frame)));
    },
    close() {
      if (!this.open) return;
      this.open = false;
      (this.peer as typeof a).open = false;
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

async function seeder(fileId: string, bytes: Uint8Array, layout: ChunkLayout): Promise<FileTransfer> {
  const store = memoryChunkStore();
  for (let i = 0; i < layout.chunkHashes.length; i++) await store.put(fileId, i, bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
  const t = new FileTransfer({ fileId, layout, store, now: () => 0, onChange: () => {} });
  await t.loaded;
  return t;
}

async function assembled(store: ReturnType<typeof memoryChunkStore>, fileId: string, n: number): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) parts.push((await store.get(fileId, i))!);
  return Buffer.concat(parts);
}

function waitFor(views: TransferView[], status: TransferView['status']): Promise<void> {
  return expect.poll(() => views.at(-1)?.status).toBe(status) as unknown as Promise<void>;
}

describe('FileTransfer', () => {
  it('drops a peer that serves a corrupted chunk, reports it, and completes the file from another peer', async () => {
    const bytes = fileBytes(40 * CHUNK + 17, 7);
    const layout = layoutOf(bytes);
    const honest = await seeder('f', bytes, layout);
    const liar = await seeder('f', bytes, layout);
    const store = memoryChunkStore();
    const views: TransferView[] = [];
    const bad: [string, number][] = [];
    const t = new FileTransfer({ fileId: 'f', layout, store, now: () => 0, onChange: (v) => views.push(v), onBadPeer: (p, i) => bad.push([p, i]) });
    // The liar flips one byte in every chunk it serves.
    const [toLiar, liarSide] = linkPair((f) => (f[0] === 2 ? (f.slice().fill(f[9]! ^ 1, 9, 10)) : f));
    const [toHonest, honestSide] = linkPair();
    liar.addPeer('me', liarSide);
    honest.addPeer('me', honestSide);
    t.addPeer('liar', toLiar);
    t.addPeer('honest', toHonest);
    await t.download();
    await waitFor(views, 'complete');
    expect(bad.length).toBe(1);
    expect(bad[0]![0]).toBe('liar');
    expect(t.peerIds).toEqual(['honest']);
    expect(Buffer.from(await assembled(store, 'f', layout.chunkHashes.length)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('resumes from chunks already held and asks only for the rest', async () => {
    const bytes = fileBytes(10 * CHUNK, 3);
    const layout = layoutOf(bytes);
    const store = memoryChunkStore();
    for (const i of [0, 1, 2, 5]) await store.put('f', i, bytes.subarray(i * CHUNK, (i + 1) * CHUNK));
    const src = await seeder('f', bytes, layout);
    const requested: number[] = [];
    const [mine, theirs] = linkPair();
    const send = mine.send.bind(mine);
    mine.send = (f) => (f[0] === 1 && requested.push(new DataView(f.buffer, f.byteOffset).getUint32(1)), send(f));
    src.addPeer('me', theirs);
    const views: TransferView[] = [];
    const t = new FileTransfer({ fileId: 'f', layout, store, now: () => 0, onChange: (v) => views.push(v) });
    await t.loaded;
    expect(t.view.progress.heldChunks).toBe(4);
    t.addPeer('src', mine);
    await t.download();
    await waitFor(views, 'complete');
    expect(requested.sort((a, b) => a - b)).toEqual([3, 4, 6, 7, 8, 9]);
  });

  it('says it waits when no linked peer has the missing chunks, and continues when one does', async () => {
    const bytes = fileBytes(4 * CHUNK, 5);
    const layout = layoutOf(bytes);
    const empty = new FileTransfer({ fileId: 'f', layout, store: memoryChunkStore(), now: () => 0, onChange: () => {} });
    const views: TransferView[] = [];
    const t = new FileTransfer({ fileId: 'f', layout, store: memoryChunkStore(), now: () => 0, onChange: (v) => views.push(v) });
    await t.download();
    expect(t.view.status).toBe('waiting');
    const [a, b] = linkPair();
    empty.addPeer('me', b);
    t.addPeer('empty', a);
    await waitFor(views, 'waiting');
    const full = await seeder('f', bytes, layout);
    const [c, d] = linkPair();
    full.addPeer('me', d);
    t.addPeer('full', c);
    await waitFor(views, 'complete');
  });

  it('does not serve when seeding is stopped (the downloader waits), and cancel stops the wait', async () => {
    const bytes = fileBytes(3 * CHUNK, 9);
    const layout = layoutOf(bytes);
    const src = await seeder('f', bytes, layout);
    src.setSeeding(false);
    const views: TransferView[] = [];
    const t = new FileTransfer({ fileId: 'f', layout, store: memoryChunkStore(), now: () => 0, onChange: (v) => views.push(v) });
    const [a, b] = linkPair();
    src.addPeer('me', b);
    t.addPeer('src', a);
    await t.download();
    await waitFor(views, 'waiting');
    expect(t.view.progress.heldChunks).toBe(0);
    t.cancel();
    expect(t.view.status).toBe('cancelled');
  });
});
