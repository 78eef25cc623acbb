/**
 * Probe-only launcher for bench/ops/free-rss.ts: a real relay with default
 * limits and guests allowed, on the data folder in PARLEY_PROBE_DIR, in its
 * own process. Reports its URL; answers 'rss' with its resident set size
 * after a full GC (run with --expose-gc); closes on 'stop'.
 */
import { startRelay } from '../../test/helpers/start-relay.ts';

const started = await startRelay({ dataDir: process.env.PARLEY_PROBE_DIR!, guests: 'allow' });
process.send!({ wsUrl: started.relay.wsUrl });
process.on('message', (m) => {
  if (m === 'rss') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ rss: process.memoryUsage().rss });
  }
  if (m === 'stop') void started.stop().then(() => process.exit(0));
});
process.on('disconnect', () => void started.stop().then(() => process.exit(0)));
