/**
 * Speak suppression across relays (real relays, real nats-server, real
 * node-datachannel): a rule taking `speak` from a speaker on relay 1 stops
 * their frames on relay 1 itself (the sending relay decides), so a listener
 * on relay 2 hears nothing and nothing crosses; lifting the rule restores it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRule, setOf } from '../../../perms/index.ts';
import { encodeVoice, ErrorCode } from '../../../proto/index.ts';
import { makeInvite } from '../../helpers/invites.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey, rawPublicKeyOf, receiveVoice } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';

const voice = (seq: number): Uint8Array => encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.from({ length: 40 }, (_, i) => (seq + i) & 0xff) });

describe.runIf(hasNatsServer)('speak suppression across relays', () => {
  let cluster: RelayCluster;
  let admin: TestClient;
  let speaker: TestClient;
  let listener: TestClient;

  beforeAll(async () => {
    cluster = await startRelayCluster(2, { relay: { limits: { maxDatagramAgeMs: 0, pingIntervalMs: 3_600_000 } } });
    const [r1, r2] = cluster.relays;
    await cluster.writer();
    const linked = waitForEvent(r1!.relay, 'cluster-link', (e) => e.up && e.peer === 'r2', 30_000);
    admin = await connectClient(r1!.relay.wsUrl, { name: 'Admin', invite: r1!.relay.bootstrapInvite!, key: generateKey() });
    await admin.next('adminState');
    speaker = await connectClient(r1!.relay.wsUrl, { name: 'Speaker', invite: makeInvite(admin.key, r1!.relay.publicKey) });
    const seen = [admin, speaker].map((c) => c.next('userJoined', (u) => u.user!.displayName === 'Listener', 15_000));
    listener = await connectClient(r2!.relay.wsUrl, { name: 'Listener', key: generateKey() });
    await Promise.all(seen);
    if (!listener.roster.some((u) => u.displayName === 'Speaker')) await listener.next('userJoined', (u) => u.user!.displayName === 'Speaker', 15_000);
    await Promise.all([speaker.openVoice(), listener.openVoice(), linked]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([admin?.close(), speaker?.close(), listener?.close()]);
    await cluster?.close();
  });

  it('a speaker suppressed on relay 1 is not heard on relay 2 and nothing crosses; lifted, heard again', async () => {
    const [r1, r2] = cluster.relays;
    for (let seq = 1; seq <= 3; seq++) speaker.sendDatagram(voice(seq));
    expect((await receiveVoice(listener, 3)).map((p) => p.seq)).toEqual([1, 2, 3]);

    const ops = new OpClient(admin);
    const keyHex = Buffer.from(rawPublicKeyOf(speaker.key)).toString('hex');
    const rule = { id: 'hushSpkr', label: 'speaker listens', who: { kind: 'key' as const, keyHex }, where: 'anywhere' as const, allow: 0, deny: setOf('speak'), here: true, subs: true };
    expect((await ops.run({ kind: 'acl.rule.put', args: { roomId: 'lobby', rule: encodeRule(rule) } })).code).toBe(ErrorCode.UNSPECIFIED);

    // The op's answer comes after relay 1 re-evaluated the speaker: every frame sent now is dropped there.
    const sent = r1!.relay.cluster!.voice()!.sent;
    const received = r2!.relay.cluster!.voice()!.received;
    let off = (): void => {};
    const dropped = new Promise<void>((resolve) => {
      let n = 0;
      off = r1!.relay.on('drop', (e) => {
        if (e.kind === 'datagram' && e.reason === 'muted' && e.id === speaker.sessionId && ++n === 5) resolve();
      });
    });
    for (let seq = 10; seq < 15; seq++) speaker.sendDatagram(voice(seq));
    await dropped.finally(() => off());
    expect(r1!.relay.cluster!.voice()!.sent).toBe(sent);

    expect((await ops.run({ kind: 'acl.rule.delete', args: { roomId: 'lobby', ruleId: 'hushSpkr' } })).code).toBe(ErrorCode.UNSPECIFIED);
    speaker.sendDatagram(voice(20));
    expect((await receiveVoice(listener, 1))[0]?.seq).toBe(20);
    // Only frame 20 crossed since the rule: none of 10..14 reached relay 2.
    expect(r2!.relay.cluster!.voice()!.received - received).toBe(1);
  }, 60_000);
});
