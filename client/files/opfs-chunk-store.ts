/**
 * Chunk store in the Origin Private File System: one directory per file
 * under `root`, one file per chunk named by its index. OPFS keeps large files
 * out of IndexedDB's transaction log and is the browser's preferred place
 * for bulk bytes.
 */
import type { ChunkStore } from './chunk-store.ts';

/** True when this browser offers OPFS with writable file handles. */
export function opfsAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.storage?.getDirectory === 'function' && typeof FileSystemFileHandle !== 'undefined' && 'createWritable' in FileSystemFileHandle.prototype;
}

/** A chunk store in the OPFS directory `rootName`. */
export async function opfsChunkStore(rootName = 'parley-files'): Promise<ChunkStore> {
  const root = await (await navigator.storage.getDirectory()).getDirectoryHandle(rootName, { create: true });
  const dir = async (fileId: string, create: boolean): Promise<FileSystemDirectoryHandle | null> => {
    try {
      return await root.getDirectoryHandle(fileId, { create });
    } catch {
      return null;
    }
  };
  const entries = async function* (d: FileSystemDirectoryHandle): AsyncGenerator<[string, FileSystemHandle]> {
    // `entries()` is in Chromium's OPFS but not yet in TypeScript's DOM lib.
    yield* (d as unknown as { entries(): AsyncIterable<[string, FileSystemHandle]> }).entries();
  };
  return {
    kind: 'opfs',
    async put(fileId, index, bytes) {
      const handle = await (await dir(fileId, true))!.getFileHandle(String(index), { create: true });
      const w = await handle.createWritable();
      try {
        await w.write(bytes as Uint8Array<ArrayBuffer>);
        await w.close();
      } catch (e) {
        await w.abort().catch(() => {});
        throw e;
      }
    },
    async get(fileId, index) {
      const d = await dir(fileId, false);
      if (!d) return null;
      try {
        return new Uint8Array(await (await (await d.getFileHandle(String(index))).getFile()).arrayBuffer());
      } catch {
        return null;
      }
    },
    async blob(fileId, index) {
      const d = await dir(fileId, false);
      if (!d) return null;
      try {
        // A File from OPFS is a handle on the file on disk: nothing is read until someone reads the Blob.
        return await (await d.getFileHandle(String(index))).getFile();
      } catch {
        return null;
      }
    },
    async indices(fileId) {
      const d = await dir(fileId, false);
      const out: number[] = [];
      if (d) for await (const [name] of entries(d)) if (/^\d+$/.test(name)) out.push(Number(name));
      return out.sort((a, b) => a - b);
    },
    async remove(fileId) {
      await root.removeEntry(fileId, { recursive: true }).catch(() => {});
    },
    async files() {
      const out: { fileId: string; bytes: number }[] = [];
      for await (const [name, h] of entries(root)) {
        if (h.kind !== 'directory') continue;
        let bytes = 0;
        for await (const [, f] of entries(h as FileSystemDirectoryHandle)) if (f.kind === 'file') bytes += (await (f as FileSystemFileHandle).getFile()).size;
        out.push({ fileId: name, bytes });
      }
      return out;
    },
  };
}
