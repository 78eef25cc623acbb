/**
 * Sends many signed ops the way a busy client would: frames of 128, up to 8
 * frames in flight, the next frame when verdicts come back (bench:ops,
 * bench:cluster and the cluster burst test).
 */
import { performance } from 'node:perf_hooks';
import type { SignedOp } from '../../crdt/index.ts';
import { encodeEnvelope } from '../../proto/index.ts';
import type { TestClient } from './relay-client.ts';

const FRAME = 128;
const WINDOW = 8;

/** Sends `ops` windowed; resolves with the ms from the first send to the last verdict (any refusal rejects). */
export async function submitAll(client: TestClient, ops: readonly SignedOp[]): Promise<number> {
  // Frames are encoded before the clock starts: the generator shares the relay's cores, and its protobuf work is not what is measured.
  const frames: Array<{ bytes: Uint8Array; count: number }> = [];
  for (let i = 0; i < ops.length; i += FRAME) {
    const chunk = ops.slice(i, i + FRAME);
    frames.push({ bytes: encodeEnvelope({ case: 'submitOps', value: { ops: chunk } }), count: chunk.length });
  }
  const started = performance.now();
  let done = 0;
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (next < frames.length && sent - done < FRAME * WINDOW) {
        const frame = frames[next++]!;
        client.socket.sendRaw(frame.bytes);
        sent += frame.count;
      }
    };
    client.socket.tap((m) => {
      if (m.case !== 'opResults') return;
      for (const r of m.value.results) if (r.code !== 0) reject(new Error(`op refused [code:${r.code}, reason:${r.reason}]`));
      done += m.value.results.length;
      if (done >= ops.length) resolve();
      else pump();
    });
    pump();
  });
  return performance.now() - started;
}

