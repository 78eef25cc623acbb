/**
 * Browser side of the large-file rig (bundled by rig.ts with esbuild and
 * served on a loopback origin): prepares the file picked in `#file` into an
 * OPFS chunk store with the client's own code, recording progress events and
 * the JS heap at each, and assembles the stored chunks for Save.
 */
import { assembleBlob, opfsChunkStore, prepareShare } from '../../../client/files/index.ts';
import type { ChunkStore } from '../../../client/files/index.ts';

/** What one prepare run reports to the test. */
export interface PrepareReport {
  readonly ms: number;
  readonly size: number;
  readonly chunkSize: number;
  readonly fileSha256: string;
  readonly hashBlockSha256: string[];
  readonly progressEvents: number;
  readonly lastDoneBytes: number;
  /** Largest `performance.memory.usedJSHeapSize` seen at a progress event (Chromium; precise with --enable-precise-memory-info). */
  readonly maxJsHeapBytes: number;
}

const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
const heap = (): number => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0;

let store: ChunkStore | null = null;
let fileIdHex = '';
let chunks = 0;

const harness = {
  async prepare(storeName: string): Promise<PrepareReport> {
    const file = document.querySelector<HTMLInputElement>('#file')!.files![0]!;
    store = await opfsChunkStore(storeName);
    const fileId = crypto.getRandomValues(new Uint8Array(16));
    let events = 0;
    let last = 0;
    let maxHeap = heap();
    const t0 = performance.now();
    const { fields } = await prepareShare({ file, relayKey: new Uint8Array(32), fileId, authorKey: new Uint8Array(32), target: { kind: 'room', roomId: 'lobby' } }, store, {
      onProgress: (p) => {
        events++;
        last = p.doneBytes;
        maxHeap = Math.max(maxHeap, heap());
      },
    });
    const ms = performance.now() - t0;
    fileIdHex = hex(fileId);
    chunks = Math.ceil(fields.size / fields.chunkSize);
    return { ms, size: fields.size, chunkSize: fields.chunkSize, fileSha256: hex(fields.fileSha256), hashBlockSha256: fields.hashBlockSha256.map(hex), progressEvents: events, lastDoneBytes: last, maxJsHeapBytes: maxHeap };
  },
  /** Assembles the prepared file and clicks a download link for it, like Save; resolves with the assembly time and the JS heap after. */
  async save(): Promise<{ ms: number; jsHeapBytes: number }> {
    const t0 = performance.now();
    const blob = await assembleBlob(store!, fileIdHex, chunks, '');
    const ms = performance.now() - t0;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob!);
    a.download = 'saved.bin';
    a.click();
    return { ms, jsHeapBytes: heap() };
  },
};

(window as unknown as { largeFiles: typeof harness }).largeFiles = harness;
