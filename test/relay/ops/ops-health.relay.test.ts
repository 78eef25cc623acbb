import { describe, expect, it } from 'vitest';
import { readiness } from '../../../relay/ops/index.ts';
import { httpGet } from '../../helpers/http-get.ts';
import { perTest } from '../../helpers/relay-fixture.ts';

const t = perTest();
const worker = (index: number, pid: number) => ({ index, pid, sessions: [], forwarded: 0, dropped: 0, crashes: 0 });

describe('GET /healthz and /readyz', () => {
  it('/healthz answers 200 with a JSON body while the relay runs', async () => {
    const r = await t.relay();
    const reply = await httpGet(r.relay.port, '/healthz');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe('application/json');
    expect(JSON.parse(reply.body)).toMatchObject({ ok: true });
  });

  it('/readyz answers 200 with every check passing on a relay with its store open', async () => {
    const r = await t.relay();
    const reply = await httpGet(r.relay.port, '/readyz');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toEqual({ ok: true, checks: { accepting: { ok: true }, store: { ok: true }, voice: { ok: true } } });
  });

  it('/readyz answers 503 naming the certificate when the TLS hook reports an expired one', async () => {
    let expiresAt = Date.now() + 3_600_000;
    const r = await t.relay({ certificate: () => ({ ok: true, expiresAt }) });
    expect((await httpGet(r.relay.port, '/readyz')).status).toBe(200);
    expiresAt = Date.now() - 1_000;
    const reply = await httpGet(r.relay.port, '/readyz');
    expect(reply.status).toBe(503);
    const body = JSON.parse(reply.body) as { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> };
    expect(body.ok).toBe(false);
    expect(body.checks.certificate!.detail).toMatch(/^certificate expired at /);
    expect(body.checks.store!.ok).toBe(true);
  });

  it('/readyz with voice workers is ready once every worker process runs', async () => {
    const r = await t.relay({ voiceWorkers: 1 });
    const reply = await httpGet(r.relay.port, '/readyz');
    expect(reply.status).toBe(200);
    expect(r.relay.stats().voiceWorkers[0]!.pid).toBeGreaterThan(0);
  });

  it('refuses other methods on the ops paths with 405', async () => {
    const r = await t.relay();
    expect((await httpGet(r.relay.port, '/healthz', { method: 'POST' })).status).toBe(405);
  });
});

describe('readiness()', () => {
  const base = { storeOpen: true, closing: false, expectedWorkers: 2, workers: [worker(0, 10), worker(1, 11)], certificate: undefined, now: 1_000 };

  it('is ready when the store is open and every worker runs', () => {
    expect(readiness(base).ok).toBe(true);
  });

  it('names a missing worker, a closed store, a closing relay and an invalid certificate', () => {
    const r = readiness({ ...base, storeOpen: false, closing: true, workers: [worker(0, 10), worker(1, 0)], certificate: { ok: false, expiresAt: 5_000 } });
    expect(r.ok).toBe(false);
    expect(r.checks).toEqual({
      accepting: { ok: false, detail: 'relay is shutting down' },
      store: { ok: false, detail: 'store is not open' },
      voice: { ok: false, detail: 'voice workers running 1 of 2' },
      certificate: { ok: false, detail: 'certificate is not valid' },
    });
  });
});
