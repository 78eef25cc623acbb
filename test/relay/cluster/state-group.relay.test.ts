/**
 * The state log's writer on two real relays and a real nats-server:
 * - chat rate limits are the key's, cluster-wide (D137): one key posting
 *   through both relays gets the budget it gets on one relay alone, refused
 *   with the same RATE_LIMITED and a retry time;
 * - group commit (D136): posts sent at once from several clients on both
 *   relays are all acknowledged, in fewer appends than posts, in one order
 *   with equal history on both relays.
 * Every wait is for a frame a client receives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { history, room, sendItem, signedItem } from '../../helpers/chat.ts';
import { hasNatsServer } from '../../helpers/nats-server.ts';
import { startRelayCluster } from '../../helpers/relay-cluster.ts';
import type { RelayCluster } from '../../helpers/relay-cluster.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { RelayOptions } from '../../../relay/index.ts';

const LOBBY = room('lobby');
/** Three posts, then (practically) no refill during a test. */
const LIMITED: Partial<RelayOptions> = { chat: { burst: 3, perSecond: 0.001 } };

/** Posts one item from each client in turn (each answered before the next), returning the ack codes. */
async function postInTurn(posters: readonly TestClient[], count: number): Promise<Array<{ code: number; retryAfterMs: number }>> {
  const out: Array<{ code: number; retryAfterMs: number }> = [];
  for (let i = 0; i < count; i++) {
    const c = posters[i % posters.length]!;
    const ack = await sendItem(c, signedItem(c, { target: LOBBY, text: `post ${i}` }));
    out.push({ code: ack.code, retryAfterMs: ack.retryAfterMs });
  }
  return out;
}

describe.runIf(hasNatsServer)('the state log writer: cluster-wide chat limits and group commit', () => {
  let cluster: RelayCluster;
  const clients: TestClient[] = [];
  const connect = async (url: string, key = generateKey()): Promise<TestClient> => {
    const c = await connectClient(url, { name: 'Poster', key });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    cluster = await startRelayCluster(2, { relay: LIMITED });
    await cluster.writer();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await cluster?.close();
  });

  it('one key posting through two relays is limited as on one relay alone', async () => {
    const alone = await startRelay({ guests: 'allow', ...LIMITED });
    let single: Array<{ code: number; retryAfterMs: number }>;
    try {
      const c = await connectClient(alone.relay.wsUrl, { name: 'Poster', key: generateKey() });
      single = await postInTurn([c], 5);
      await c.close();
    } finally {
      await alone.cleanup();
    }
    const key = generateKey();
    const [r1, r2] = cluster.relays;
    const across = await postInTurn([await connect(r1!.relay.wsUrl, key), await connect(r2!.relay.wsUrl, key)], 5);
    const codes = (acks: typeof single): number[] => acks.map((a) => a.code);
    expect(codes(single)).toEqual([0, 0, 0, ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED]);
    expect(codes(across)).toEqual(codes(single));
    for (const a of across.slice(3)) expect(a.retryAfterMs).toBeGreaterThan(0);
    // Another key still has its own budget, through either relay.
    const other = await connect(r2!.relay.wsUrl);
    expect(codes(await postInTurn([other], 1))).toEqual([0]);
  });

  it('posts sent at once from both relays share appends, are all acknowledged, in one order on both', async () => {
    const [r1, r2] = cluster.relays;
    const writer = await cluster.writer();
    const posters = await Promise.all([r1, r2, r1, r2, r1, r2].map((r) => connect(r!.relay.wsUrl)));
    const before = writer.relay.cluster!.stateAppends();
    // Three each: within the burst.
    const items = posters.flatMap((p) => [0, 1, 2].map((i) => ({ p, item: signedItem(p, { target: LOBBY, text: `burst ${p.sessionId}.${i}` }) })));
    const acks = await Promise.all(items.map(({ p, item }) => sendItem(p, item)));
    expect(acks.map((a) => a.code)).toEqual(items.map(() => 0));
    const after = writer.relay.cluster!.stateAppends();
    expect(after.entries - before.entries).toBe(items.length);
    expect(after.appends - before.appends).toBeLessThan(items.length);
    // Seqs are distinct, and both relays serve the same page.
    expect(new Set(acks.map((a) => a.seq)).size).toBe(items.length);
    const lastSeq = acks.reduce((m, a) => (a.seq > m ? a.seq : m), 0n);
    // Both readers' relays hold the last post (delivered live once applied there).
    await Promise.all([posters[0]!, posters[1]!].map((p) => p.next('chatEvent', (e) => e.message?.seq === lastSeq, 20_000)));
    const [page1, page2] = await Promise.all([history(posters[0]!, LOBBY, lastSeq + 1n, 100), history(posters[1]!, LOBBY, lastSeq + 1n, 100)]);
    const ids = (h: typeof page1): string[] => h.messages.map((m) => `${m.seq}:${Buffer.from(m.post!.id).toString('hex')}`);
    expect(ids(page1)).toEqual(ids(page2));
    const burst = page1.messages.filter((m) => m.post!.text.startsWith('burst '));
    expect(burst).toHaveLength(items.length);
  });
});
