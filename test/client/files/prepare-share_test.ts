/// <reference types="mocha" />
/**
 * Preparing a share in real Chromium: progress, cancel, the up-front limit
 * check, clean-up, and Save's assembly from OPFS and from IndexedDB. (The
 * large-file run with memory bounds is test/e2e/files-large.e2e.test.ts.)
 */
import { assert } from 'chai';
import { assembleBlob, BoundedChunkStore, FileError, fileErrorText, hashBlockKey, idbChunkStore, opfsChunkStore, prepareShare } from '../../../client/files/index.ts';
import type { ChunkStore, PrepareProgress } from '../../../client/files/index.ts';

let n = 0;
const uniqueName = (): string => `parley-prepare-test-${Date.now()}-${n++}`;
const CHUNK = 64 * 1024;

function fileOf(size: number, seed = 1): File {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed * 7 + (i >>> 11)) & 0xff;
  return new File([bytes], 'p.bin', { type: 'application/x-test' });
}

const request = (file: File, fileId: Uint8Array) => ({ file, relayKey: new Uint8Array(32), fileId, authorKey: new Uint8Array(32).fill(2), target: { kind: 'room' as const, roomId: 'lobby' }, chunkSize: CHUNK });

async function digestHex(b: Blob): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest('SHA-256', await b.arrayBuffer()))].map((x) => x.toString(16).padStart(2, '0')).join('');
}
const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

async function rejection(p: Promise<unknown>): Promise<FileError> {
  try {
    await p;
  } catch (e) {
    assert.instanceOf(e, FileError);
    return e as FileError;
  }
  assert.fail('expected a FileError');
}

for (const [kind, open] of [
  ['opfs', (name: string) => opfsChunkStore(name)],
  ['indexeddb', (name: string) => idbChunkStore(name)],
] as const) {
  suite(`prepare a share and assemble it for Save (${kind})`, () => {
    test('progress climbs to the size; the manifest hashes equal WebCrypto over the file; Save gives the same bytes', async () => {
      const store: ChunkStore = await open(uniqueName());
      const file = fileOf(3 * CHUNK * 10 + 123);
      const fileId = crypto.getRandomValues(new Uint8Array(16));
      const seen: PrepareProgress[] = [];
      const { fields, hashBlocks } = await prepareShare(request(file, fileId), store, { onProgress: (p) => seen.push(p) });
      assert.equal(hex(fields.fileSha256), await digestHex(file));
      assert.equal(fields.size, file.size);
      assert.equal(hashBlocks.length, 1);
      assert.equal(seen.length, 31, 'one event per chunk');
      assert.deepEqual(seen.at(-1), { doneBytes: file.size, totalBytes: file.size });
      assert.isTrue(seen.every((p, i) => i === 0 || p.doneBytes > seen[i - 1]!.doneBytes));
      const blob = await assembleBlob(store, hex(fileId), 31, fields.type);
      assert.equal(blob!.type, 'application/x-test');
      assert.equal(await digestHex(blob!), hex(fields.fileSha256));
      await store.remove(hex(fileId));
      assert.isNull(await assembleBlob(store, hex(fileId), 31, fields.type), 'a missing chunk gives null');
    });

    test('cancel stops preparing, rejects with cancelled and leaves nothing stored', async () => {
      const store: ChunkStore = await open(uniqueName());
      const fileId = crypto.getRandomValues(new Uint8Array(16));
      const abort = new AbortController();
      let events = 0;
      const e = await rejection(prepareShare(request(fileOf(40 * CHUNK), fileId), store, { signal: abort.signal, onProgress: () => ++events === 3 && abort.abort() }));
      assert.equal(e.code, 'cancelled');
      assert.equal(events, 3, 'no chunk is read after the cancel');
      assert.deepEqual(await store.indices(hex(fileId)), []);
      assert.deepEqual(await store.indices(hashBlockKey(hex(fileId))), []);
    });
  });
}

suite('prepare a share: limits', () => {
  test('a file over the user limit is refused before anything is read or stored, in plain language', async () => {
    const store = await BoundedChunkStore.open(await opfsChunkStore(uniqueName()), 10 * CHUNK);
    const fileId = crypto.getRandomValues(new Uint8Array(16));
    let events = 0;
    const e = await rejection(prepareShare(request(fileOf(11 * CHUNK), fileId), store, { onProgress: () => events++ }));
    assert.equal(e.code, 'quota-exceeded');
    assert.equal(events, 0);
    assert.equal(store.use.usedBytes, 0);
    assert.match(fileErrorText(e), /storage limit/);
  });

  test('a write the store refuses half way removes the chunks already stored', async () => {
    const inner = await opfsChunkStore(uniqueName());
    let puts = 0;
    const failing: ChunkStore = { ...inner, kind: inner.kind, put: (f, i, b) => (++puts > 4 ? Promise.reject(new DOMException('full', 'QuotaExceededError')) : inner.put(f, i, b)) };
    const store = await BoundedChunkStore.open(failing, 1e9);
    const fileId = crypto.getRandomValues(new Uint8Array(16));
    const e = await rejection(prepareShare(request(fileOf(12 * CHUNK), fileId), store));
    assert.equal(e.code, 'browser-quota');
    assert.deepEqual(await inner.indices(hex(fileId)), []);
    assert.equal(store.use.usedBytes, 0);
  });

  test('an empty file is refused with empty-file', async () => {
    const e = await rejection(prepareShare(request(new File([], 'e.txt'), new Uint8Array(16)), await opfsChunkStore(uniqueName())));
    assert.equal(e.code, 'empty-file');
    assert.match(fileErrorText(e), /empty/);
  });
});
