/**
 * A file as its sharer builds it for a test or bench (issue 16): the bytes,
 * their hash blocks, and the manifest signed by the sharer's key.
 */
import { sign } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { buildHashBlocks, chooseChunkSize, encodeFileManifest, FileManifestSchema, sha256 } from '../../../proto/index.ts';
import type { FileManifest, FileManifestFields, SigningTarget } from '../../../proto/index.ts';
import { chunkHashes } from '../../../files/index.ts';
import { rawPublicKeyOf } from '../relay-client.ts';
import type { TestClient } from '../relay-client.ts';

/** A shared file as its author built it. */
export interface SharedFile {
  readonly fields: FileManifestFields;
  readonly manifest: FileManifest;
  readonly bytes: Uint8Array;
  readonly hashBlocks: Uint8Array[];
}

/** What a downloader knows of a file: its manifest, as any member has it. */
export type FileRef = Pick<SharedFile, 'fields' | 'manifest'>;

/** Builds and signs the manifest of `bytes` as `client`, shared to `target`, with the chat item id `fileId`. */
export async function buildSharedFile(client: TestClient, target: SigningTarget, bytes: Uint8Array, fileId: Uint8Array, chunkSize = chooseChunkSize(bytes.byteLength)): Promise<SharedFile> {
  const { blocks, digests } = await buildHashBlocks(await chunkHashes(bytes, chunkSize));
  const fields: FileManifestFields = {
    relayKey: client.hello.relayPublicKey,
    fileId,
    authorKey: rawPublicKeyOf(client.key),
    target,
    size: bytes.byteLength,
    chunkSize,
    name: 'test.bin',
    type: 'application/octet-stream',
    fileSha256: await sha256(bytes),
    hashBlockSha256: digests,
  };
  const body = encodeFileManifest(fields);
  return { fields, manifest: create(FileManifestSchema, { body, signature: new Uint8Array(sign(null, body, client.key)) }), bytes, hashBlocks: blocks };
}
