/**
 * Op budgets on a real relay with an injected clock: one budget per identity
 * key shared by all its sessions (tabs), over-budget ops answered
 * RATE_LIMITED without using up their sequence numbers (the client retries
 * them), other people unaffected, and the budget refilling with time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { OpClient } from '../../helpers/ops.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let now = 1_000_000;
const clock = { now: () => now };

describe('op rate limit', () => {
  let started: StartedRelay;
  beforeAll(async () => {
    started = await startRelay({ clock, guests: 'allow', limits: { opBurst: 4, opPerSecond: 2, pingIntervalMs: 3_600_000 } });
  });
  afterAll(async () => {
    await started?.cleanup();
  });

  it('two tabs of one key share one budget; over it ops are refused unspent; others are unaffected; time refills it', async () => {
    const key = generateKey();
    const tab1 = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Ana', invite: started.relay.bootstrapInvite!, key }));
    const tab2 = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Ana', key }));
    const other = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Bo', key: generateKey() }));
    const describe = (c: OpClient, seq: number, text: string) => c.sign({ kind: 'room.describe', args: { roomId: 'lobby', description: text, userLimit: 0 } }, seq);

    const first = await tab1.submit([1, 2, 3].map((n) => describe(tab1, n, `t1 ${n}`)));
    expect(first.map((r) => r.code)).toEqual([0, 0, 0]);
    // The second tab has one token left of the shared four.
    const second = await tab2.submit([4, 5].map((n) => describe(tab2, n, `t2 ${n}`)));
    expect(second.map((r) => r.code)).toEqual([0, ErrorCode.RATE_LIMITED]);
    // Someone else has a budget of their own (a guest: refused for permission, not for rate).
    const theirs = await other.submit([1, 2, 3, 4].map((n) => other.sign({ kind: 'member.join', args: { roomId: 'quiet' } }, n)));
    expect(theirs.map((r) => r.code)).toEqual([0, 0, 0, 0]);

    now += 1_000; // two tokens back
    // The refused op's sequence number was not used up: the same op applies now.
    const retry = await tab2.submit([describe(tab2, 5, 't2 5')]);
    expect(retry[0]!.code).toBe(0);
    await tab1.sync();
    expect(tab1.rooms().get('lobby')!.description).toBe('t2 5');
    for (const c of [tab1, tab2, other]) await c.client.close();
  });
});
