/**
 * A burst of sign-ins against a real relay, the shape of the 700-person
 * end-to-end test (test/e2e/large-org-sign-in.e2e.test.ts) at a size a unit
 * run affords: 100 lean clients sign in at once while others are signed in.
 * Presence broadcasts leave once per event-loop turn (D92), so a newcomer's
 * roster pages and dozens of other newcomers' UserJoined can reach it in one
 * TCP read; every newcomer must still get all of its pages, each before any
 * presence event, and hear of every other newcomer exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { ControlSocket, LEAN_QUEUE } from '../../helpers/control-socket.ts';
import type { ControlMessage } from '../../helpers/control-socket.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const SIGNED_IN = 300;
const BURST = 100;
/** 32 characters, 2 bytes each in UTF-8: 300 of them fill more than one 32 KiB roster page. */
const longName = (prefix: string, i: number): string => `${prefix}${'é'.repeat(25)}${String(i).padStart(6, '0')}`.replace(/\d/g, (d) => 'àáâãäåæçèê'[Number(d)]!);

const PRESENCE_EVENTS = new Set(['userJoined', 'userLeft', 'userUpdated']);

describe('a burst of sign-ins with presence batched per turn', () => {
  let started: StartedRelay;
  const clients: TestClient[] = [];
  const sockets: ControlSocket[] = [];

  beforeAll(async () => {
    started = await startRelay({ limits: { maxConnectionsPerAddress: 10_000 } });
    for (let i = 0; i < SIGNED_IN; i += 50) {
      clients.push(...(await Promise.all(Array.from({ length: 50 }, (_, k) => connectClient(started.relay.wsUrl, { name: longName('à', i + k), lean: true, timeoutMs: 30_000 })))));
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...clients.map((c) => c.close().catch(() => {})), ...sockets.map((s) => s.close().catch(() => {}))]);
    await started?.cleanup();
  });

  it(`gives each of ${BURST} lean newcomers its whole roster before any presence event, and every other newcomer once`, async () => {
    expect(BURST).toBeGreaterThan(LEAN_QUEUE); // more UserJoined can follow the pages than a lean socket keeps unconsumed
    const seen = new Map<ControlSocket, ControlMessage[]>();
    const opened = await Promise.all(Array.from({ length: BURST }, () => ControlSocket.open(started.relay.wsUrl, { lean: true })));
    sockets.push(...opened);
    for (const s of opened) {
      const log: ControlMessage[] = [];
      seen.set(s, log);
      s.tap((m) => log.push(m));
    }
    const results = await Promise.all(opened.map((s, i) => authenticate(s, { name: longName('ß', i), lean: true, timeoutMs: 30_000 })));
    const burstIds = results.map((r) => r.authOk.sessionId);
    // A ping's pong is a direct send: it follows every broadcast queued for that client before it.
    await Promise.all(opened.map(async (s) => {
      s.send({ case: 'ping', value: { nonce: 7n } });
      await s.next('pong', undefined, 30_000);
    }));

    results.forEach((r, i) => {
      const log = seen.get(opened[i]!)!;
      const cases = log.map((m) => m.case);
      const pages = cases.flatMap((c, at) => (c === 'presencePage' ? [at] : []));
      const firstEvent = cases.findIndex((c) => PRESENCE_EVENTS.has(c));
      expect(pages.length, `session ${r.authOk.sessionId}`).toBeGreaterThan(1);
      if (firstEvent >= 0) expect(pages.at(-1)!, `session ${r.authOk.sessionId}: a page after a presence event`).toBeLessThan(firstEvent);
      const joined = log.flatMap((m) => (m.case === 'userJoined' ? [m.value.user!.sessionId] : []));
      const known = [...r.roster.map((u) => u.sessionId), ...joined];
      expect(new Set(known).size, `session ${r.authOk.sessionId} heard of someone twice`).toBe(known.length);
      expect(known).toEqual(expect.arrayContaining(burstIds));
      expect(r.roster.length).toBeGreaterThanOrEqual(SIGNED_IN + 1);
    });
  }, 120_000);
});
