/**
 * The swarm grows as a tree, not a star (issue 16), on a real relay with
 * node-datachannel peers: with several receivers at once the original
 * sender's uplink carries the file about once (it super-seeds: each chunk to
 * one linked peer), the receivers serve each other the rest, and the relay
 * carries none of it. Byte counters, not timing, decide.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHAT_ID_BYTES, ErrorCode } from '../../../proto/index.ts';
import { room, sendItem, signedItem } from '../../helpers/chat.ts';
import { FilePeer, buildSharedFile } from '../../helpers/files/index.ts';
import type { SharedFile } from '../../helpers/files/index.ts';
import { generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { perTest } from '../../helpers/relay-fixture.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
const CHUNK = 16 * 1024;

describe('relay files: swarm', () => {
  const fixtures = perTest();
  const client = (r: StartedRelay, name: string): Promise<TestClient> => fixtures.client(r, { name, key: generateKey() });

  async function share(author: TestClient, bytes: Uint8Array): Promise<SharedFile> {
    const id = new Uint8Array(randomBytes(CHAT_ID_BYTES));
    const file = await buildSharedFile(author, room('lobby'), bytes, id, CHUNK);
    const ack = await sendItem(author, { ...signedItem(author, { target: room('lobby'), text: 'test.bin', id }), file: file.manifest });
    expect(ack.code).toBe(ErrorCode.UNSPECIFIED);
    return file;
  }

  it('six receivers at once: the sender uploads the file at most twice (once, by construction), receivers carry the rest, the relay none', async () => {
    const N = 6;
    const r = await fixtures.relay();
    const sender = await client(r, 'Sender');
    const receivers = await Promise.all(Array.from({ length: N }, (_, i) => client(r, `Rx${i}`)));
    const bytes = new Uint8Array(randomBytes(48 * CHUNK + 777));
    const file = await share(sender, bytes);
    const seed = new FilePeer(sender);
    const peers = receivers.map((c) => new FilePeer(c));
    fixtures.defer(async () => [seed, ...peers].forEach((p) => p.close()));
    seed.seed(file);
    await sender.ping();
    const got = await Promise.all(peers.map((p) => p.download(file)));
    for (const g of got) expect(sameBytes(g, bytes)).toBe(true);
    const size = bytes.byteLength;
    // One copy per chunk while its peer stays linked: the file once (a link lost mid-chunk may cost a resend).
    expect(seed.counters.uploaded).toBeGreaterThanOrEqual(size);
    expect(seed.counters.uploaded).toBeLessThanOrEqual(2 * size);
    // Everything else went receiver to receiver.
    const fromReceivers = peers.reduce((sum, p) => sum + p.counters.uploaded, 0);
    expect(fromReceivers).toBeGreaterThanOrEqual(N * size - seed.counters.uploaded);
    expect(r.relay.stats().files).toMatchObject({ relayBytesIn: 0, relayBytesOut: 0 });
  });

  it('serves a chunk again once the only peer it went to has left, so a later downloader still gets the whole file', async () => {
    const r = await fixtures.relay();
    const [a, b, c] = await Promise.all(['Ana', 'Bo', 'Cy'].map((n) => client(r, n)));
    const bytes = new Uint8Array(randomBytes(8 * CHUNK));
    const file = await share(a!, bytes);
    const seed = new FilePeer(a!);
    const first = new FilePeer(b!);
    const later = new FilePeer(c!);
    fixtures.defer(async () => [seed, first, later].forEach((p) => p.close()));
    seed.seed(file);
    await a!.ping();
    expect(sameBytes(await first.download(file), bytes)).toBe(true);
    const before = seed.counters.uploaded;
    expect(before).toBeGreaterThanOrEqual(bytes.byteLength);
    // Bo leaves with every copy the sender handed out; Cy can only get them from the sender.
    first.close();
    await b!.close();
    expect(sameBytes(await later.download(file), bytes)).toBe(true);
    expect(later.counters.badChunksSeen).toBe(0);
    expect(seed.counters.uploaded - before).toBeGreaterThanOrEqual(bytes.byteLength);
  });
});
