/**
 * Bench-only launcher: a real relay with the bench's limits in its own
 * process, so the bench client's work does not count against it. Started by
 * bench/ops/main.ts with an IPC channel; reports its URL, bootstrap invite and
 * data folder, and closes cleanly on 'stop'.
 */
import { startRelay } from '../../test/helpers/start-relay.ts';

const unlimited = { controlBurst: 1e9, controlPerSecond: 1e9, opBurst: 1e9, opPerSecond: 1e9, maxRateLimitedFrames: 1e9 };
const threads = process.env.BENCH_SIG_THREADS;
// --guests: the perms scenario signs a second identity in without an invite (then makes it a member).
const guests = process.argv.includes('--guests') ? { guests: 'allow' as const } : {};
const started = await startRelay({ limits: unlimited, ...guests, ...(threads !== undefined ? { signatureThreads: Number(threads) } : {}) });
process.send!({ wsUrl: started.relay.wsUrl, invite: started.relay.bootstrapInvite, dataDir: started.dataDir });
let stopping: Promise<void> | null = null;
const stop = (): Promise<void> => (stopping ??= started.stop().then(() => process.exit(0)));
process.on('message', (m) => {
  if (m === 'stop') void stop();
});
// The bench died: do not linger.
process.on('disconnect', () => void stop());
