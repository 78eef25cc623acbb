/**
 * Bench-only: the listeners of one path of the voice-path bench in their own
 * process, so the relay's one path and the other, and the speakers, each have
 * an event loop of their own and none of them measures the others' backlog.
 *
 *   listener-child.ts <wsUrl> <count> <prefix> <speakers>
 *
 * Sends `{ ready }` once every listener's voice is open, `{ warm }` once each
 * has heard every speaker (frames of any size), then records every frame with
 * a stamp (payload ≥ 9 bytes: f64 CLOCK_MONOTONIC ms of the send, u8 speaker
 * index) between `'record'` and `'report'`, answering the latter with
 * `{ samples, proc }`: samples are [listener, speaker, seq, delay ms] flattened.
 */
import { decodeDownlink } from '../../proto/index.ts';
import { connectClient } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { monoMs, ProcMonitor } from './proc-stats.ts';

const [wsUrl, countArg, prefix, speakersArg] = process.argv.slice(2);
const count = Number(countArg);
const speakers = Number(speakersArg);
const monitor = new ProcMonitor();
const clients: TestClient[] = [];
for (let i = 0; i < count; i++) clients.push(await connectClient(wsUrl!, { name: `${prefix}${i}`, bufferDatagrams: false, timeoutMs: 30_000 }));
await Promise.all(clients.map((c) => c.openVoice()));
process.send!({ ready: true });

let recording = false;
const samples: number[] = [];
const heard = clients.map(() => new Set<number>());
let warm = false;
clients.forEach((c, i) =>
  c.onDatagram((d) => {
    const at = monoMs();
    const p = decodeDownlink(d);
    if (!p.ok) return;
    if (!warm) {
      heard[i]!.add(p.value.sender);
      if (heard.every((h) => h.size >= speakers)) {
        warm = true;
        process.send!({ warm: true });
      }
    }
    const pl = p.value.payload;
    if (!recording || pl.byteLength < 9) return;
    const sent = new DataView(pl.buffer, pl.byteOffset, pl.byteLength).getFloat64(0);
    samples.push(i, pl[8]!, p.value.seq, at - sent);
  }),
);

process.on('message', (m) => {
  if (m === 'record') {
    recording = true;
    monitor.reset();
  } else if (m === 'report') {
    recording = false;
    process.send!({ samples, proc: monitor.read() });
  } else if (m === 'stop') {
    void Promise.all(clients.map((c) => c.close())).finally(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
