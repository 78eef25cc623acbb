/**
 * Graceful stop without a crash: a real relay process (relay/main.ts) that
 * accepted stray DataChannels (labels other than `voice`) and is forwarding
 * voice exits with code 0 and no signal on SIGTERM. The native crash this
 * guards against (SIGSEGV/SIGBUS/SIGABRT in node-datachannel's cleanup after
 * a channel was closed and dropped without a reference) was intermittent, so
 * each case stops several relays.
 */
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { encodeVoice } from '../../../proto/index.ts';
import { connectClient, withTimeout } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Spawns relay/main.ts, waits for its URL; `exited` resolves with how it ended. */
async function spawnRelay(dataDir: string, args: string[]): Promise<{ wsUrl: string; exited: Promise<Exit>; kill: (s: NodeJS.Signals) => void; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'relay/main.ts', '--port', '0', '--host', '127.0.0.1', '--data', dataDir, ...args], {
    cwd: repoRoot,
    env: { ...process.env, PORT: '', PARLEY_PASSWORD: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
  const exited = new Promise<Exit>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const url = await withTimeout(
    new Promise<string>((resolve, reject) => {
      const check = (): void => {
        const m = /Parley relay listening: (http:\/\/\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', check);
      void exited.then((e) => reject(new Error(`relay exited early [code:${e.code}, signal:${e.signal}]\n${output}`)));
      check();
    }),
    30_000,
    'listening line',
  );
  return { wsUrl: `${url.replace('http', 'ws')}ws`, exited, kill: (s) => child.kill(s), output: () => output };
}

/** Sends voice from `from` until `to` has received `n` datagrams. */
async function flowVoice(from: TestClient, to: TestClient, n: number): Promise<void> {
  let seq = 0;
  const before = to.datagramCount;
  await expect
    .poll(
      () => {
        from.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload: new Uint8Array(40).fill(seq & 0xff) }));
        seq++;
        return to.datagramCount - before;
      },
      { timeout: 10_000, interval: 20 },
    )
    .toBeGreaterThanOrEqual(n);
}

async function stopRound(args: string[], withVoice: boolean): Promise<Exit & { output: string }> {
  const dataDir = await makeDataDir();
  const relay = await spawnRelay(dataDir, args);
  const clients: TestClient[] = [];
  try {
    for (const name of ['A', 'B']) clients.push(await connectClient(relay.wsUrl, { name }));
    await Promise.all(clients.map((c) => c.openVoice({ attempts: 5 })));
    for (const c of clients) for (const label of ['chat', 'x', 'voice2', '']) c.openStrayChannel(label);
    // The relay answered each stray channel by closing it: a ping round trip after that
    // leaves the process in the state that crashed (channels closed and dropped).
    await Promise.all(clients.map((c) => c.ping()));
    if (withVoice) await flowVoice(clients[0]!, clients[1]!, 5);
    // Voice keeps flowing while the signal lands.
    const pump = withVoice ? setInterval(() => clients[0]!.sendDatagram(encodeVoice({ seq: 1, ts: 960, flags: 0, payload: new Uint8Array(40) })), 5) : undefined;
    relay.kill('SIGTERM');
    const exit = await withTimeout(relay.exited, 20_000, 'relay exit after SIGTERM');
    clearInterval(pump);
    return { ...exit, output: relay.output() };
  } finally {
    for (const c of clients) c.closeVoice();
    for (const c of clients) c.socket.terminate();
    relay.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('relay process on SIGTERM', () => {
  // Before the fix the in-process voice case crashed in its first round or two; rounds are few
  // because each spawns a relay (seconds on a busy 2-core box).
  for (const [title, args, withVoice, rounds] of [
    ['with stray DataChannels', ['--voice-workers', '0'], false, 2],
    ['with stray DataChannels and voice flowing', ['--voice-workers', '0'], true, 3],
    ['with stray DataChannels and voice flowing through a voice worker', ['--voice-workers', '1'], true, 2],
  ] as const) {
    it(`exits 0 without a signal ${title}, ${rounds} times`, { timeout: 180_000 }, async () => {
      for (let round = 0; round < rounds; round++) {
        const exit = await stopRound([...args], withVoice);
        expect({ round, code: exit.code, signal: exit.signal }, exit.output).toEqual({ round, code: 0, signal: null });
      }
    });
  }
});
