/**
 * Receiver reports through a real relay: a listener's loss per sender
 * reaches that sender as a LossReport stamped with the listener's id, and
 * nothing else leaks (other rooms, self, bad values, floods).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
let clock = 1_000_000;

beforeAll(async () => {
  started = await startRelay({ clock: { now: () => clock } });
});

afterAll(async () => {
  await started?.cleanup();
});

/** Every message `c` was sent before now has arrived once both pings returned (one socket each, in order). */
async function settle(...clients: TestClient[]): Promise<void> {
  for (const c of clients) await c.ping();
}

describe('relay receiver reports', () => {
  it('forwards each entry to its sender in the same room, stamped with the listener', async () => {
    const speaker = await connectClient(started.relay.wsUrl, { name: 'Speaker' });
    const listener = await connectClient(started.relay.wsUrl, { name: 'Listener' });
    clock += 1000;
    listener.send({ case: 'receiverReport', value: { senders: [{ sessionId: speaker.sessionId, lossPermille: 123 }] } });
    const report = await speaker.next('lossReport');
    expect(report).toMatchObject({ fromSessionId: listener.sessionId, lossPermille: 123 });
    await Promise.all([speaker.close(), listener.close()]);
  });

  it('drops entries about senders in other rooms, about oneself, and duplicates', async () => {
    const speaker = await connectClient(started.relay.wsUrl, { name: 'Speaker' });
    const away = await connectClient(started.relay.wsUrl, { name: 'Away' });
    const listener = await connectClient(started.relay.wsUrl, { name: 'Listener' });
    await away.join('quiet');
    clock += 1000;
    listener.send({
      case: 'receiverReport',
      value: {
        senders: [
          { sessionId: away.sessionId, lossPermille: 500 },
          { sessionId: listener.sessionId, lossPermille: 500 },
          { sessionId: speaker.sessionId, lossPermille: 10 },
          { sessionId: speaker.sessionId, lossPermille: 20 },
        ],
      },
    });
    await settle(listener, speaker, away);
    expect(away.socket.count('lossReport')).toBe(0);
    expect(listener.socket.count('lossReport')).toBe(0);
    expect(speaker.socket.count('lossReport')).toBe(1);
    expect(await speaker.next('lossReport')).toMatchObject({ lossPermille: 10 });
    await Promise.all([speaker.close(), away.close(), listener.close()]);
  });

  it('refuses out-of-range reports with BAD_REQUEST and forwards nothing', async () => {
    const speaker = await connectClient(started.relay.wsUrl, { name: 'Speaker' });
    const listener = await connectClient(started.relay.wsUrl, { name: 'Listener' });
    clock += 1000;
    listener.send({ case: 'receiverReport', value: { senders: [{ sessionId: speaker.sessionId, lossPermille: 1001 }] } });
    const err = await listener.next('error', (e) => e.code === ErrorCode.BAD_REQUEST);
    expect(err.context).toBe('receiver_report');
    clock += 1000;
    const many = Array.from({ length: 65 }, (_, i) => ({ sessionId: 10_000 + i, lossPermille: 1 }));
    listener.send({ case: 'receiverReport', value: { senders: many } });
    await listener.next('error', (e) => e.code === ErrorCode.BAD_REQUEST);
    await settle(listener, speaker);
    expect(speaker.socket.count('lossReport')).toBe(0);
    await Promise.all([speaker.close(), listener.close()]);
  });

  it('forwards at most one report per 500 ms from one listener', async () => {
    const speaker = await connectClient(started.relay.wsUrl, { name: 'Speaker' });
    const listener = await connectClient(started.relay.wsUrl, { name: 'Listener' });
    clock += 1000;
    for (let i = 0; i < 5; i++) listener.send({ case: 'receiverReport', value: { senders: [{ sessionId: speaker.sessionId, lossPermille: i }] } });
    await listener.ping(); // the relay handled all five at the same clock reading
    clock += 600;
    listener.send({ case: 'receiverReport', value: { senders: [{ sessionId: speaker.sessionId, lossPermille: 99 }] } });
    await settle(listener, speaker);
    expect(speaker.socket.received.flatMap((m) => (m.case === 'lossReport' ? [m.value.lossPermille] : []))).toEqual([0, 99]);
    expect(started.relay.stats().frames['rate-limited']).toBeGreaterThanOrEqual(4);
    await Promise.all([speaker.close(), listener.close()]);
  });
});
