/**
 * Bench-only launcher: one real relay in its own process (so the bench's
 * clients and the other relay do not share its event loop), alone or in a
 * cluster (`--cluster URL --name N --id R --key FILE`), with `--workers N`
 * voice worker processes (default 0). Sends `{ wsUrl }`
 * once listening, `{ link: peer }` when a relay link opens, answers `'stats'`
 * with its counters (with the peers' last loss reports) and its event-loop and GC figures since the last
 * `'reset'` (proc-stats.ts), and closes on `'stop'`.
 */
import { parseArgs } from 'node:util';
import { startRelay } from '../../test/helpers/start-relay.ts';
import { ProcMonitor } from './proc-stats.ts';

const { values } = parseArgs({ options: { cluster: { type: 'string' }, name: { type: 'string' }, id: { type: 'string' }, key: { type: 'string' }, workers: { type: 'string' } } });
const cluster = values.cluster
  ? { cluster: { servers: [values.cluster], name: values.name!, relayId: values.id!, keyFile: values.key!, leaseTtlMs: 1_500, requestTimeoutMs: 2_000 } }
  : {};
// Synthetic stamps do not follow the relay's clock: the age gate is off, as in the voice tests.
const started = await startRelay({ guests: 'allow', signatureThreads: 0, limits: { maxDatagramAgeMs: 0 }, voiceWorkers: Number(values.workers ?? 0), ...cluster });
const monitor = new ProcMonitor();
started.relay.on('cluster-link', (e) => {
  if (e.up) process.send!({ link: e.peer });
});
process.send!({ wsUrl: started.relay.wsUrl });
let stopping: Promise<void> | null = null;
const stop = (): Promise<void> => (stopping ??= started.cleanup().then(() => process.exit(0)));
process.on('message', (m) => {
  if (m === 'stop') void stop();
  else if (m === 'reset') monitor.reset();
  else if (m === 'stats') {
    const voice = started.relay.cluster?.voice();
    process.send!({
      forwarded: started.relay.stats().forwarded,
      crossSent: voice?.sent ?? 0,
      crossMessages: voice?.messages ?? 0,
      crossReceived: voice?.received ?? 0,
      reported: voice?.reported ?? {},
      proc: monitor.read(),
    });
  }
});
// The bench died: do not linger.
process.on('disconnect', () => void stop());
