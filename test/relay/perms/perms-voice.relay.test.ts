/**
 * Speak suppression on the real voice path (node-datachannel): a speaker
 * whose `speak` a rule takes away mid-sentence stops being forwarded at once
 * — the relay applies the re-evaluation before it answers the rule's op, so
 * every datagram sent after that answer is dropped (counted `muted`, the
 * router's precomputed flag) and never reaches the listener; lifting the rule
 * restores forwarding. Run in-process and with a voice worker process (where
 * the change takes one IPC hop, `voiceSettled`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRule, setOf } from '../../../perms/index.ts';
import { encodeVoice, ErrorCode } from '../../../proto/index.ts';
import { makeInvite } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf, receiveVoice } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.from({ length: 40 }, (_, i) => (seq + i) & 0xff) });

describe.each([0, 1])('speak suppression with %i voice workers', (voiceWorkers) => {
  let started: StartedRelay;
  let admin: TestClient;
  let speaker: TestClient;
  let listener: TestClient;

  beforeAll(async () => {
    started = await startRelay({ voiceWorkers, limits: { maxDatagramAgeMs: 0, pingIntervalMs: 3_600_000 } });
    admin = await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() });
    await admin.next('adminState');
    speaker = await connectClient(started.relay.wsUrl, { name: 'Speaker', invite: makeInvite(admin.key, started.relay.publicKey) });
    listener = await connectClient(started.relay.wsUrl, { name: 'Listener', invite: makeInvite(admin.key, started.relay.publicKey) });
    await Promise.all([speaker.openVoice(), listener.openVoice()]);
  });

  afterAll(async () => {
    await Promise.all([admin?.close(), speaker?.close(), listener?.close()]);
    await started?.cleanup();
  });

  it('stops forwarding a speaker suppressed mid-sentence within the rule op round trip, and resumes when lifted', async () => {
    for (let seq = 1; seq <= 3; seq++) speaker.sendDatagram(voice(seq));
    expect((await receiveVoice(listener, 3)).map((p) => p.seq)).toEqual([1, 2, 3]);

    const ops = new OpClient(admin);
    const keyHex = Buffer.from(rawPublicKeyOf(speaker.key)).toString('hex');
    const rule = { id: 'hushSpkr', label: 'speaker listens', who: { kind: 'key' as const, keyHex }, where: 'anywhere' as const, allow: 0, deny: setOf('speak'), here: true, subs: true };
    const put = await ops.run({ kind: 'acl.rule.put', args: { roomId: 'lobby', rule: encodeRule(rule) } });
    expect(put.code).toBe(ErrorCode.UNSPECIFIED);
    await started.relay.voiceSettled();

    const mutedBefore = started.relay.stats().datagrams.muted;
    const heardBefore = listener.datagramCount;
    for (let seq = 10; seq < 15; seq++) speaker.sendDatagram(voice(seq));
    await expect.poll(() => started.relay.stats().datagrams.muted - mutedBefore).toBe(5);
    expect(listener.datagramCount).toBe(heardBefore);

    const del = await ops.run({ kind: 'acl.rule.delete', args: { roomId: 'lobby', ruleId: 'hushSpkr' } });
    expect(del.code).toBe(ErrorCode.UNSPECIFIED);
    await started.relay.voiceSettled();
    speaker.sendDatagram(voice(20));
    expect((await receiveVoice(listener, 1))[0]?.seq).toBe(20);
  });
});
