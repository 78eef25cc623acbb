/**
 * Child process: one signed-in client with an open voice channel, and nothing
 * else, for tests that must freeze a recipient for real (SIGSTOP) while the
 * relay keeps running in the test's process. Much lighter to start than the
 * benchmark's load process (no Opus encoder, no load loop).
 *
 * Protocol (IPC, bench/relay/ipc.ts's Child): sends `ready`, answers
 * `connect` with the session id, and exits on `exit`.
 */
import { reply } from '../../bench/relay/ipc.ts';
import { connectClient } from './relay-client.ts';
import type { TestClient } from './relay-client.ts';

/** Test -> child. */
export type VoiceChildRequest = { readonly type: 'connect'; readonly wsUrl: string; readonly name: string } | { readonly type: 'exit' };

/** Child -> test. */
export type VoiceChildReply =
  | { readonly type: 'ready' }
  | { readonly type: 'connected'; readonly sessionId: number }
  | { readonly type: 'error'; readonly message: string };

let client: TestClient | undefined;

async function handle(req: VoiceChildRequest): Promise<void> {
  if (req.type === 'exit') process.exit(0);
  client = await connectClient(req.wsUrl, { name: req.name });
  await client.openVoice();
  reply<VoiceChildReply>({ type: 'connected', sessionId: client.sessionId });
}

process.on('message', (req: VoiceChildRequest) => {
  handle(req).catch((error: unknown) => reply<VoiceChildReply>({ type: 'error', message: String(error) }));
});
reply<VoiceChildReply>({ type: 'ready' });
