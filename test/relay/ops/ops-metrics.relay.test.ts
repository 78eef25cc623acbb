import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import type { PromFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { encodeVoice } from '../../../proto/index.ts';
import { chat, room } from '../../helpers/chat.ts';
import { httpGet } from '../../helpers/http-get.ts';
import { OpClient } from '../../helpers/ops.ts';
import { generateKey, receiveVoice } from '../../helpers/relay-client.ts';
import { connectRefused, perTest } from '../../helpers/relay-fixture.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const t = perTest();
const TOKEN = 'scrape-token-0123456789abcdef';

async function scrape(r: StartedRelay, headers: Record<string, string> = {}): Promise<PromFamily[]> {
  const reply = await httpGet(r.relay.port, '/metrics', { headers });
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusTextFormat(reply.body);
}

/** Value of `name` with exactly these labels (0 when the series is absent). */
function value(families: readonly PromFamily[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const sample = family.metrics.find((m) => JSON.stringify(m.labels ?? {}) === JSON.stringify(labels));
  return sample?.value === undefined ? 0 : Number(sample.value);
}

describe('GET /metrics', () => {
  it('counters move when users sign in, talk, change the tree, chat and fail to sign in', async () => {
    const r = await t.relay({ limits: { maxDatagramAgeMs: 0 }, password: 'letmein', guests: 'allow', lockout: { maxFailures: 2 } });
    const before = await scrape(r);
    expect(value(before, 'parley_sessions')).toBe(0);
    expect(value(before, 'parley_rooms')).toBeGreaterThan(0);
    expect(value(before, 'parley_voice_forwarded_total')).toBe(0);

    const key = generateKey();
    const a = await t.client(r, { name: 'Ana', password: 'letmein', key, invite: r.relay.bootstrapInvite! });
    const b = await t.client(r, { name: 'Bo', password: 'letmein' });
    await Promise.all([a.openVoice(), b.openVoice()]);
    for (let seq = 0; seq < 5; seq++) a.sendDatagram(encodeVoice({ seq, ts: seq * 960, flags: 0, payload: Uint8Array.of(1, 2, 3, seq) }));
    await receiveVoice(b, 5);
    const ops = new OpClient(a);
    await ops.run({ kind: 'room.create', args: { roomId: 'games', parentId: 'root', name: 'Games', index: 9, description: '', userLimit: 0 } });
    await new OpClient(b).run({ kind: 'room.create', args: { roomId: 'nope', parentId: 'root', name: 'Nope', index: 9, description: '', userLimit: 0 } });
    expect((await chat(a, { target: room('lobby'), text: 'hi' })).ack.code).toBe(0);
    await connectRefused(r.relay.wsUrl, { name: 'Eve', password: 'wrong' });
    await connectRefused(r.relay.wsUrl, { name: 'Eve', password: 'wrong' });

    const after = await scrape(r);
    expect(value(after, 'parley_sessions')).toBe(2);
    expect(value(after, 'parley_rooms')).toBe(value(before, 'parley_rooms') + 1);
    expect(value(after, 'parley_voice_forwarded_total')).toBe(5);
    expect(value(after, 'parley_voice_dropped_total', { reason: 'muted' })).toBe(0);
    expect(value(after, 'parley_sign_ins_total')).toBe(2);
    expect(value(after, 'parley_sign_in_failures_total')).toBe(2);
    expect(value(after, 'parley_lockouts_total')).toBe(1);
    expect(value(after, 'parley_op_verdicts_total', { code: 'accepted' })).toBe(1);
    expect(value(after, 'parley_op_verdicts_total', { code: 'forbidden' })).toBe(1);
    expect(value(after, 'parley_chat_items_total', { action: 'post' })).toBe(1);
    expect(value(after, 'parley_memory_bytes', { kind: 'rss' })).toBeGreaterThan(0);
    expect(after.find((f) => f.name === 'parley_event_loop_lag_seconds')?.type).toBe('GAUGE');
    // No TLS manager: no certificate series.
    expect(after.some((f) => f.name === 'parley_certificate_expiry_seconds')).toBe(false);
  });

  it('keeps two relays in one process apart (one registry each)', async () => {
    const one = await t.relay();
    const two = await t.relay();
    await t.client(one, { name: 'Ana' });
    expect(value(await scrape(one), 'parley_sessions')).toBe(1);
    expect(value(await scrape(two), 'parley_sessions')).toBe(0);
    expect(value(await scrape(two), 'parley_sign_ins_total')).toBe(0);
  });

  it('exposes the certificate expiry the TLS hook reports', async () => {
    const expiresAt = Date.UTC(2027, 0, 1);
    const r = await t.relay({ certificate: () => ({ ok: true, expiresAt }) });
    const families = await scrape(r);
    expect(value(families, 'parley_certificate_expiry_seconds')).toBe(expiresAt / 1000);
    expect(value(families, 'parley_certificate_valid')).toBe(1);
  });
});

describe('GET /metrics refuses strangers', () => {
  // A stranger is simulated at the one place the relay learns addresses: behind a trusted reverse
  // proxy, X-Forwarded-For says who the client is. 127.0.0.2 would not do: all of 127/8 is loopback.
  it('refuses a client a trusted proxy forwards from a public address with 403, serves loopback', async () => {
    const r = await t.relay({ trustProxy: true });
    const stranger = await httpGet(r.relay.port, '/metrics', { headers: { 'x-forwarded-for': '203.0.113.7' } });
    expect(stranger.status).toBe(403);
    expect(stranger.body).not.toContain('parley_');
    expect((await httpGet(r.relay.port, '/metrics', { headers: { 'x-forwarded-for': '127.0.0.1' } })).status).toBe(200);
    expect((await httpGet(r.relay.port, '/metrics')).status).toBe(200);
  });

  it('with a token, refuses a missing or wrong bearer with 401 even from loopback, and never logs the token', async () => {
    const r = await t.relay({ metricsToken: TOKEN });
    const none = await httpGet(r.relay.port, '/metrics');
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await httpGet(r.relay.port, '/metrics', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await httpGet(r.relay.port, '/metrics', { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
    const families = await scrape(r, { authorization: `Bearer ${TOKEN}` });
    expect(value(families, 'parley_sessions')).toBe(0);
    expect(r.logs.join('\n')).not.toContain(TOKEN);
  });

  it('health and readiness stay open to everyone (they carry no user data)', async () => {
    const r = await t.relay({ trustProxy: true, metricsToken: TOKEN });
    expect((await httpGet(r.relay.port, '/healthz', { headers: { 'x-forwarded-for': '203.0.113.7' } })).status).toBe(200);
  });
});
