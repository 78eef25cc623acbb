/// <reference types="mocha" />
import { assert } from 'chai';
import { BoundedChunkStore, FileError, fileErrorText, idbChunkStore, openChunkStore, opfsAvailable, opfsChunkStore, sha256, verifyChunk } from '../../../client/files/index.ts';
import type { ChunkStore } from '../../../client/files/index.ts';

let n = 0;
const uniqueName = (): string => `parley-files-test-${Date.now()}-${n++}`;

async function rejects(p: Promise<unknown>): Promise<FileError> {
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
  suite(`chunk store (${kind})`, () => {
    test('chunks survive reopening the store (a reload) with their bytes and sizes', async () => {
      if (kind === 'opfs') assert.isTrue(opfsAvailable(), 'Chromium offers OPFS');
      const name = uniqueName();
      const first: ChunkStore = await open(name);
      await first.put('aa', 0, new Uint8Array([1, 2, 3]));
      await first.put('aa', 2, new Uint8Array([7, 8]));
      await first.put('bb', 0, new Uint8Array(10));
      const again: ChunkStore = await open(name);
      assert.deepEqual(await again.indices('aa'), [0, 2]);
      assert.deepEqual([...(await again.get('aa', 2))!], [7, 8]);
      assert.isNull(await again.get('aa', 1));
      const files = (await again.files()).sort((a, b) => a.fileId.localeCompare(b.fileId));
      assert.deepEqual(files, [{ fileId: 'aa', bytes: 5 }, { fileId: 'bb', bytes: 10 }]);
      await again.remove('aa');
      assert.deepEqual(await (await open(name)).indices('aa'), []);
    });
  });
}

suite('bounded chunk store', () => {
  test('refuses a write over the user quota with quota-exceeded and a plain explanation, and counts what was held before', async () => {
    const name = uniqueName();
    const store = await openChunkStore({ quotaBytes: 10, name });
    assert.equal(store.kind, 'opfs');
    await store.put('f', 0, new Uint8Array(6));
    const reopened = await openChunkStore({ quotaBytes: 10, name });
    assert.equal(reopened.use.usedBytes, 6);
    const e = await rejects(reopened.put('f', 1, new Uint8Array(5)));
    assert.equal(e.code, 'quota-exceeded');
    assert.match(fileErrorText(e), /storage limit for shared files is full/);
    assert.deepEqual(await reopened.indices('f'), [0]);
    reopened.setQuota(100);
    await reopened.put('f', 1, new Uint8Array(5));
    assert.equal(reopened.use.usedBytes, 11);
    await reopened.remove('f');
    assert.equal(reopened.use.usedBytes, 0);
  });

  test("turns the browser's own QuotaExceededError into browser-quota", async () => {
    const full: ChunkStore = {
      kind: 'indexeddb',
      put: async () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      get: async () => null,
      indices: async () => [],
      remove: async () => {},
      files: async () => [],
    };
    const store = await BoundedChunkStore.open(full, 1e9);
    const e = await rejects(store.put('f', 0, new Uint8Array(1)));
    assert.equal(e.code, 'browser-quota');
    assert.match(fileErrorText(e), /low on space/);
    assert.equal(store.use.usedBytes, 0);
  });

  test('falls back to IndexedDB when asked to skip OPFS', async () => {
    const store = await openChunkStore({ quotaBytes: 100, name: uniqueName(), preferIndexedDb: true });
    assert.equal(store.kind, 'indexeddb');
  });
});

suite('chunk verification', () => {
  const chunks = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5, 6])];
  const layout = async () => ({ size: 6, chunkSize: 4, chunkHashes: await Promise.all(chunks.map(sha256)) });

  test('accepts each chunk that matches its manifest hash', async () => {
    const l = await layout();
    await verifyChunk(l, 0, chunks[0]!);
    await verifyChunk(l, 1, chunks[1]!);
  });

  test('rejects a flipped byte, a wrong length, a swapped index and an index past the end', async () => {
    const l = await layout();
    assert.equal((await rejects(verifyChunk(l, 0, new Uint8Array([1, 2, 3, 5])))).code, 'bad-chunk');
    assert.equal((await rejects(verifyChunk(l, 1, new Uint8Array([5, 6, 7])))).code, 'bad-chunk');
    assert.equal((await rejects(verifyChunk(l, 1, chunks[0]!))).code, 'bad-chunk');
    assert.equal((await rejects(verifyChunk(l, 2, chunks[1]!))).code, 'bad-index');
  });
});
