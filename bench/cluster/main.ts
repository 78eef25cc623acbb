/**
 * Cluster benchmark: prints one JSON object, one key per measurement module
 * (`voicePath`: voice-path.ts; the log and failover modules go beside it).
 *
 *   npm run bench:cluster -- --json [--speakers 10] [--listeners 20] [--seconds 5]
 */
import { parseArgs } from 'node:util';
import { measureVoicePath } from './voice-path.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, speakers: { type: 'string' }, listeners: { type: 'string' }, seconds: { type: 'string' } },
  });
  const voicePath = await measureVoicePath({
    speakers: Number(values.speakers ?? 10),
    listeners: Number(values.listeners ?? 20),
    seconds: Number(values.seconds ?? 5),
  });
  process.stdout.write(`${JSON.stringify({ voicePath })}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
