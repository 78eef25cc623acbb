/**
 * Downloading a file entirely through the relay fallback (issue 16): hash
 * blocks first, then every chunk, one at a time, each checked by the shared
 * receiver core before it is kept. What a browser does when no direct path
 * works; the bench's relay-star baseline.
 */
import { Bitfield, hashBlockCount, HASH_BLOCK_CHUNKS } from '../../../proto/index.ts';
import { SwarmReceiver } from '../../../files/index.ts';
import type { TestClient } from '../relay-client.ts';
import type { FileRef } from './shared-file.ts';

/** Downloads `file` through the relay; rejects with the relay's code (`code` on the error) when it refuses. */
export async function downloadViaRelay(client: TestClient, file: FileRef): Promise<Uint8Array> {
  const f = file.fields;
  const rx = new SwarmReceiver(f);
  const send = (msg: Parameters<TestClient['send']>[0]): void => {
    if (client.socket.isOpen) client.send(msg);
  };
  send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: f.fileId } });
  const collect = async (index: number, hashBlock: boolean, length: number): Promise<Uint8Array> => {
    const out = new Uint8Array(length);
    let got = 0;
    const done = new Promise<void>((resolve, reject) => {
      const untap = client.socket.tap((m) => {
        if (m.case === 'fileError' && m.value.context === 'relay_want' && m.value.chunk === index) {
          untap();
          reject(Object.assign(new Error(`relay refused [code:${m.value.code}]`), { code: m.value.code }));
        }
        if (m.case !== 'fileRelayPiece' || m.value.chunk !== index || m.value.hashBlock !== hashBlock) return;
        out.set(m.value.data, m.value.offset);
        got += m.value.data.byteLength;
        if (got >= length) {
          untap();
          resolve();
        }
      });
    });
    send({ case: 'fileRelayWant', value: { fileId: f.fileId, chunk: index, hashBlock } });
    await done;
    return out;
  };
  const blocks = hashBlockCount(f.size, f.chunkSize);
  for (let b = 0; b < blocks; b++) {
    const count = Math.min(HASH_BLOCK_CHUNKS, rx.chunks - b * HASH_BLOCK_CHUNKS);
    if (!(await rx.addHashBlock(b, await collect(b, true, count * 32)))) throw new Error('bad hash block from relay');
  }
  rx.peerHas('relay', new Bitfield(rx.chunks, true));
  const out = new Uint8Array(f.size);
  for (;;) {
    const chunk = rx.next('relay');
    if (chunk === undefined) break;
    const length = Math.min(f.chunkSize, f.size - chunk * f.chunkSize);
    const result = await rx.piece('relay', chunk, 0, await collect(chunk, false, length));
    if (result.kind !== 'chunk') throw new Error(`relay chunk ${chunk}: ${result.kind}`);
    out.set(result.data, chunk * f.chunkSize);
  }
  return out;
}
