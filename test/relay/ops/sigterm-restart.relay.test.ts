/**
 * SIGTERM as a service manager's restart: a real relay process with two users
 * talking in a room, an acknowledged op and chat message, and an edit queued
 * while offline. The relay acknowledges what it accepted, closes with 1012 and
 * exits 0; a new process on the same data folder and port takes both users
 * back into their room with voice, and nothing acknowledged is missing.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeVoice, ErrorCode, parseInviteFragment } from '../../../proto/index.ts';
import { CloseCode } from '../../../relay/index.ts';
import { chat, history, room, texts } from '../../helpers/chat.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, receiveVoice, withTimeout } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { makeDataDir } from '../../helpers/start-relay.ts';
import { freePort } from '../../helpers/free-port.ts';
import { spawnRelayMain } from '../../helpers/relay-main.ts';
import type { RelayMain } from '../../helpers/relay-main.ts';

const cleanups: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});


/** Starts relay/main.ts and resolves once it printed its URL. */
async function startProcess(port: number, dataDir: string): Promise<RelayMain> {
  const relay = spawnRelayMain(['--port', String(port), '--host', '127.0.0.1', '--data', dataDir, '--guests', 'allow', '--voice-workers', '0', '--load-report', '0']);
  cleanups.push(() => relay.kill());
  await relay.waitFor(/Parley relay listening: http/, 20_000);
  return relay;
}

describe('SIGTERM restart', () => {
  // Two relay processes start in turn (each a tsx start-up of several seconds on a busy box): the default 20 s is too short.
  it('acknowledges what it accepted, closes with 1012, exits 0; the next process takes both users back into their room with voice', { timeout: 120_000 }, async () => {
    const dataDir = await makeDataDir();
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const ws = `ws://127.0.0.1:${port}/ws`;
    const first = await startProcess(port, dataDir);
    await expect.poll(() => first.output(), { timeout: 10_000 }).toMatch(/#invite=/);
    const invite = parseInviteFragment(/(#invite=[A-Za-z0-9_-]+)/.exec(first.output())![1]!);
    if (!invite?.ok) throw new Error('no invite in the relay output');
    const keyA = generateKey();
    const keyB = generateKey();
    const clients: TestClient[] = [];
    cleanups.push(() => Promise.all(clients.map((c) => c.close())));
    const a = await connectClient(ws, { name: 'Ana', key: keyA, invite: invite.value });
    const b = await connectClient(ws, { name: 'Bo', key: keyB });
    clients.push(a, b);
    const opsA = new OpClient(a);
    expect((await opsA.run({ kind: 'room.create', args: { roomId: 'studio', parentId: 'root', name: 'Studio', index: 9, description: '', userLimit: 0 } })).code).toBe(ErrorCode.UNSPECIFIED);
    await a.join('studio');
    await b.join('studio');
    await Promise.all([a.openVoice(), b.openVoice()]);
    expect((await chat(a, { target: room('studio'), text: 'before the restart' })).ack.code).toBe(0);
    // Signed while "offline": the client keeps it until it is connected again.
    const queued = opsA.sign({ kind: 'room.create', args: { roomId: 'queued', parentId: 'root', name: 'Queued', index: 10, description: '', userLimit: 0 } });

    const closes = Promise.all([a.socket.closed, b.socket.closed]);
    first.child.kill('SIGTERM');
    const [closeA, closeB] = await withTimeout(closes, 10_000, 'clients closed');
    expect([closeA?.code, closeB?.code]).toEqual([CloseCode.Restart, CloseCode.Restart]);
    expect(await withTimeout(first.exited, 10_000, 'first relay exit')).toBe(0);

    const second = await startProcess(port, dataDir);
    const startedAt = Date.now();
    // Both reconnect by themselves (as the web client does on 1012) and come back with voice.
    const [a2, b2] = await withTimeout(
      Promise.all([
        connectClient(ws, { name: 'Ana', key: keyA }).then(async (c) => (clients.push(c), await c.openVoice(), c)),
        connectClient(ws, { name: 'Bo', key: keyB }).then(async (c) => (clients.push(c), await c.openVoice(), c)),
      ]),
      5_000,
      'both users back with voice',
    );
    const backMs = Date.now() - startedAt;
    console.log(JSON.stringify({ restartBackWithVoiceMs: backMs }));
    expect([a2.authOk.roomId, b2.authOk.roomId]).toEqual(['studio', 'studio']);
    for (let seq = 0; seq < 3; seq++) a2.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(9, seq) }));
    expect((await receiveVoice(b2, 3)).map((v) => v.sender)).toEqual([a2.sessionId, a2.sessionId, a2.sessionId]);

    // Nothing acknowledged is lost; the queued edit goes through now.
    const opsA2 = new OpClient(a2);
    await opsA2.sync();
    expect(opsA2.rooms().has('studio')).toBe(true);
    expect((await opsA2.submit([queued]))[0]!.code).toBe(ErrorCode.UNSPECIFIED);
    expect(texts(await history(a2, room('studio')))).toEqual(['before the restart']);
    expect(second.output()).not.toContain('internal error');
  });
});

describe('relay.close({ restart: true })', () => {
  it('acknowledges an op it already took before closing with 1012', async () => {
    const { startRelay, waitForEvent } = await import('../../helpers/start-relay.ts');
    const started = await startRelay();
    cleanups.push(() => started.cleanup());
    const a = await connectClient(started.relay.wsUrl, { name: 'Ana', invite: started.relay.bootstrapInvite! });
    const ops = new OpClient(a);
    const op = ops.sign({ kind: 'room.create', args: { roomId: 'late', parentId: 'root', name: 'Late', index: 9, description: '', userLimit: 0 } });
    const taken = waitForEvent(started.relay, 'op-verdict');
    a.send({ case: 'submitOps', value: { ops: [op] } });
    await taken;
    const closing = started.relay.close({ restart: true });
    const results = await a.next('opResults');
    expect(results.results.map((r) => r.code)).toEqual([ErrorCode.UNSPECIFIED]);
    expect((await a.socket.closed)?.code).toBe(CloseCode.Restart);
    await closing;
  });
});
