/**
 * A small file and its unsigned manifest fields for the swarm core's unit
 * tests (test/files/): the bytes, their hash blocks, and fields whose
 * signed parts are zeros (these tests never check signatures). One home for
 * the set-up those tests share.
 */
import { buildHashBlocks } from '../../../proto/index.ts';
import type { FileManifestFields } from '../../../proto/index.ts';
import { chunkHashes } from '../../../files/index.ts';
import type { SwarmClock } from '../../../files/index.ts';

/** A clock that never moves and never fires: nothing in these tests waits for time. */
export const stillClock: SwarmClock = { now: () => 0, setTimer: () => null, clearTimer: () => {} };

/** `chunks` chunks of `chunkSize` bytes (byte i is `(i * step) % 251`), with the manifest fields and hash blocks. */
export async function testFile(chunks: number, chunkSize = 16, options: { step?: number; fileIdByte?: number } = {}): Promise<{ bytes: Uint8Array; fields: FileManifestFields; blocks: Uint8Array[] }> {
  const step = options.step ?? 1;
  const bytes = new Uint8Array(chunks * chunkSize).map((_, i) => (i * step) % 251);
  const { blocks, digests } = await buildHashBlocks(await chunkHashes(bytes, chunkSize));
  const fields: FileManifestFields = {
    relayKey: new Uint8Array(32),
    fileId: new Uint8Array(16).fill(options.fileIdByte ?? 0),
    authorKey: new Uint8Array(32),
    target: { kind: 'room', roomId: 'lobby' },
    size: bytes.byteLength,
    chunkSize,
    name: 'x.bin',
    type: '',
    fileSha256: new Uint8Array(32),
    hashBlockSha256: digests,
  };
  return { bytes, fields, blocks };
}
