/**
 * Reads a Blob (a picked File) chunk by chunk into a few reused buffers
 * (D139). `File.slice().arrayBuffer()` allocates a fresh buffer per chunk,
 * and when preparing runs fast the garbage outpaces the collector: the first
 * share of a page reached a 220 MB JS heap on a 1 GiB file (45 MB when the
 * buffers are reused). So where the browser's Blob stream is a byte stream,
 * chunks are read with a BYOB reader into buffers handed back by
 * {@link ChunkReader.release}; elsewhere (older engines) it falls back to
 * slices. Reads are serialised: a chunk is always the next bytes of the file.
 * A file shorter than its size (changed on disk since it was picked) is a
 * FileError `unreadable`.
 */
import { FileError } from './file-errors.ts';

/** Sequential chunks of one Blob; see the module comment. */
export interface ChunkReader {
  /** The next chunk (`chunkSize` bytes, the last one shorter); rejects with FileError `unreadable` at an early end of the file. */
  next(): Promise<Uint8Array>;
  /** `bytes` from {@link next} is no longer read by anyone: its buffer may be filled again. */
  release(bytes: Uint8Array): void;
  /** Stops reading (the stream is cancelled). */
  close(): void;
}

/** A reader of `file` in chunks of `chunkSize` bytes. */
export function chunkReader(file: Blob, chunkSize: number): ChunkReader {
  let reader: ReadableStreamBYOBReader | null = null;
  try {
    reader = file.stream().getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream here: slices below.
  }
  let offset = 0;
  if (!reader) {
    return {
      next: async () => {
        const at = offset;
        offset = Math.min(file.size, at + chunkSize);
        const bytes = new Uint8Array(await file.slice(at, offset).arrayBuffer());
        if (bytes.byteLength !== offset - at) throw new FileError('unreadable', `the file ended after ${at + bytes.byteLength} of ${file.size} bytes`);
        return bytes;
      },
      release: () => {},
      close: () => {},
    };
  }
  const byob = reader;
  const free: ArrayBuffer[] = [];
  let tail: Promise<unknown> = Promise.resolve();
  const fill = async (): Promise<Uint8Array> => {
    const length = Math.min(chunkSize, file.size - offset);
    let buffer = free.pop() ?? new ArrayBuffer(chunkSize);
    let filled = 0;
    while (filled < length) {
      const { value, done } = await byob.read(new Uint8Array(buffer, filled, length - filled));
      if (done || !value) throw new FileError('unreadable', `the file ended after ${offset + filled} of ${file.size} bytes`);
      // A BYOB read hands the memory back in a new ArrayBuffer (the one passed in is detached).
      buffer = value.buffer as ArrayBuffer;
      filled += value.byteLength;
    }
    offset += length;
    return new Uint8Array(buffer, 0, length);
  };
  return {
    next: () => {
      const chunk = tail.then(fill);
      tail = chunk.catch(() => {});
      return chunk;
    },
    release: (bytes) => {
      if (bytes.buffer.byteLength === chunkSize) free.push(bytes.buffer as ArrayBuffer);
    },
    close: () => void byob.cancel().catch(() => {}),
  };
}
