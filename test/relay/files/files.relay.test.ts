/**
 * File sharing on a real relay (issue 16): the manifest in a chat post, the
 * introducer's authorisation, the tracker's rarest-first answer, a corrupted
 * chunk from one node-datachannel peer caught and fetched from another, and
 * the relay fallback (on, and refused when the admin turned it off).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Bitfield, CHAT_ID_BYTES, ErrorCode, sha256 } from '../../../proto/index.ts';
import { direct, room, sendItem, signedItem } from '../../helpers/chat.ts';
import { FilePeer, buildSharedFile } from '../../helpers/files/index.ts';
import type { SharedFile } from '../../helpers/files/index.ts';
import { generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { perTest } from '../../helpers/relay-fixture.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const newId = (): Uint8Array => new Uint8Array(randomBytes(CHAT_ID_BYTES));
const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** Counts every message of `kind` the client receives from now on. */
function counter(client: TestClient, kind: string): { readonly n: number } {
  const box = { n: 0 };
  client.socket.tap((m) => {
    if (m.case === kind) box.n++;
  });
  return box;
}

describe('relay files', () => {
  const fixtures = perTest();
  const client = (r: StartedRelay, name: string): Promise<TestClient> => fixtures.client(r, { name, key: generateKey() });

  async function share(author: TestClient, target: ReturnType<typeof room>, bytes: Uint8Array, chunkSize?: number): Promise<SharedFile> {
    const id = newId();
    const file = await buildSharedFile(author, target, bytes, id, chunkSize);
    const item = { ...signedItem(author, { target, text: 'test.bin', id }), file: file.manifest };
    const ack = await sendItem(author, item);
    expect([ack.code, ack.detail]).toEqual([ErrorCode.UNSPECIFIED, ""]);
    return file;
  }

  it('stores the signed manifest with the chat post, and refuses a manifest moved to another item', async () => {
    const r = await fixtures.relay();
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    const file = await share(a, room('lobby'), new Uint8Array(randomBytes(40_000)));
    const seen = await b.next('chatEvent', (e) => e.message?.post?.file !== undefined);
    expect(sameBytes(seen.message!.post!.file!.body, file.manifest.body)).toBe(true);
    // The same manifest under another item id: refused with a code, not stored.
    const moved = { ...signedItem(a, { target: room('lobby'), text: 'again' }), file: file.manifest };
    expect((await sendItem(a, moved)).code).toBe(ErrorCode.FILE_BAD_MANIFEST);
    // Over the admin's size: refused.
    const small = await fixtures.relay({ files: { maxFileBytes: 1000 } });
    const c = await client(small, 'Cy');
    const id = newId();
    const big = await buildSharedFile(c, room('lobby'), new Uint8Array(5000), id);
    expect((await sendItem(c, { ...signedItem(c, { target: room('lobby'), id }), file: big.manifest })).code).toBe(ErrorCode.FILE_TOO_LARGE);
  });

  it('introduces the two DM parties, and refuses a third party with a code and sends the holder nothing', async () => {
    const r = await fixtures.relay();
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    const eve = await client(r, 'Eve');
    const file = await share(a, direct(rawPublicKeyOf(b.key)), new Uint8Array(randomBytes(20_000)));
    a.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
    const signalsToA = counter(a, 'fileSignal');
    // Eve may not even announce herself as a downloader, nor ask for peers, nor signal the holder.
    eve.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId } });
    expect((await eve.next('fileError', (e) => e.context === 'announce')).code).toBe(ErrorCode.FILE_FORBIDDEN);
    eve.send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    expect((await eve.next('fileError', (e) => e.context === 'want_peers')).code).toBe(ErrorCode.FILE_FORBIDDEN);
    eve.send({ case: 'fileSignal', value: { fileId: file.fields.fileId, sessionId: a.sessionId, signal: { case: 'candidate', value: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', mid: '0' } } } });
    expect((await eve.next('fileError', (e) => e.context === 'signal')).code).toBe(ErrorCode.FILE_FORBIDDEN);
    // Bo, the other party, is introduced: his candidate reaches Ana, stamped with his session and key.
    b.send({ case: 'fileSignal', value: { fileId: file.fields.fileId, sessionId: a.sessionId, signal: { case: 'candidate', value: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', mid: '0' } } } });
    const got = await a.next('fileSignal');
    expect(got.sessionId).toBe(b.sessionId);
    expect(sameBytes(got.peerKey, rawPublicKeyOf(b.key))).toBe(true);
    // Ordered sockets: after Eve's and Ana's round trips, Ana has seen exactly Bo's one signal.
    await eve.ping();
    await a.ping();
    expect(signalsToA.n).toBe(1);
    expect(r.relay.stats().files).toMatchObject({ signalsForwarded: 1 });
  });

  it('tells a peer at once when the session it signalled ends (FILE_PEER_GONE), so it never waits on that connection', async () => {
    const r = await fixtures.relay();
    const a = await client(r, 'Ana');
    const b = await client(r, 'Bo');
    const file = await share(a, direct(rawPublicKeyOf(b.key)), new Uint8Array(randomBytes(20_000)));
    a.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
    // Bo's signal is passed on to Ana; then Ana's session ends before she answers.
    b.send({ case: 'fileSignal', value: { fileId: file.fields.fileId, sessionId: a.sessionId, signal: { case: 'candidate', value: { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', mid: '0' } } } });
    await a.next('fileSignal');
    const gone = b.next('fileError', (e) => e.context === 'signal');
    await a.close();
    const e = await gone;
    expect(e.code).toBe(ErrorCode.FILE_PEER_GONE);
    expect(e.sessionId).toBe(a.sessionId);
    expect(sameBytes(e.fileId, file.fields.fileId)).toBe(true);
  });

  it('refuses a room file to someone the chat policy keeps out of that room', async () => {
    const outsider = generateKey();
    const outsiderHex = Buffer.from(rawPublicKeyOf(outsider)).toString('hex');
    const r = await fixtures.relay({ chatPolicy: (actor, action, place) => !(actor.publicKeyHex === outsiderHex && place.kind === 'room' && place.roomId === 'quiet') || action === 'post' });
    const a = await client(r, 'Ana');
    const o = await fixtures.client(r, { name: 'Out', key: outsider });
    const file = await share(a, room('quiet'), new Uint8Array(randomBytes(20_000)));
    a.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, complete: true } });
    const signalsToA = counter(a, 'fileSignal');
    o.send({ case: 'fileSignal', value: { fileId: file.fields.fileId, sessionId: a.sessionId, signal: { case: 'candidate', value: { candidate: 'c', mid: '0' } } } });
    expect((await o.next('fileError', (e) => e.context === 'signal')).code).toBe(ErrorCode.FILE_FORBIDDEN);
    await o.ping();
    await a.ping();
    expect(signalsToA.n).toBe(0);
  });

  it('answers want-peers rarest-first, at most four, and forgets a holder that disconnects', async () => {
    const r = await fixtures.relay();
    const [a, b, c, d, e, f] = await Promise.all(['A', 'B', 'C', 'D', 'E', 'F'].map((n) => client(r, n)));
    // 4 chunks of 16 KiB.
    const file = await share(a!, room('lobby'), new Uint8Array(randomBytes(4 * 16 * 1024)), 16 * 1024);
    const announce = (who: TestClient, chunks: number[]): Promise<void> => {
      const bits = new Bitfield(4);
      for (const i of chunks) bits.set(i);
      who.send({ case: 'fileAnnounce', value: { manifest: file.manifest, fileId: file.fields.fileId, bitfield: bits.toBytes() } });
      return who.ping();
    };
    // E lacks 1, 2, 3. Chunk 2 only C has (rarest), chunk 1: A and B, chunk 3: C and D.
    await announce(a!, [0, 1]);
    await announce(b!, [1]);
    await announce(c!, [2, 3]);
    await announce(d!, [3]);
    await announce(e!, [0]);
    await announce(f!, []);
    e!.send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    const answer = await e!.next('filePeers');
    expect(answer.code).toBe(ErrorCode.UNSPECIFIED);
    expect(answer.peers).toHaveLength(4);
    expect(answer.peers[0]!.sessionId).toBe(c!.sessionId);
    expect(new Set(answer.peers.map((p) => p.sessionId))).toEqual(new Set([a!.sessionId, b!.sessionId, c!.sessionId, d!.sessionId]));
    expect(answer.holders).toBe(4);
    // C leaves: nobody else has chunk 2, and C is never named again.
    await c!.close();
    await expect.poll(() => r.relay.stats().files?.filesTracked).toBe(1);
    e!.send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    const after = await e!.next('filePeers');
    expect(after.peers.map((p) => p.sessionId)).not.toContain(c!.sessionId);
    expect(after.holders).toBe(3);
  });

  it('detects a corrupted chunk from one peer, reports and drops it, and gets the chunk from another: file correct', async () => {
    const r = await fixtures.relay();
    const [a, b, rx] = await Promise.all(['Ana', 'Bad', 'Rx'].map((n) => client(r, n)));
    const bytes = new Uint8Array(randomBytes(8 * 16 * 1024));
    const file = await share(a!, room('lobby'), bytes, 16 * 1024);
    const good = new FilePeer(a!);
    const bad = new FilePeer(b!, { corrupt: [0, 1, 2, 3, 4, 5, 6, 7] });
    const receiver = new FilePeer(rx!);
    fixtures.defer(async () => [good, bad, receiver].forEach((p) => p.close()));
    good.seed(file);
    bad.seed(file);
    await Promise.all([a!.ping(), b!.ping()]);
    const got = await receiver.download(file);
    expect(sameBytes(await sha256(got), file.fields.fileSha256)).toBe(true);
    expect(receiver.counters.badChunksSeen).toBeGreaterThanOrEqual(1);
    await rx!.ping();
    expect(r.relay.stats().files?.badChunkReports).toBeGreaterThanOrEqual(1);
    // The relay carried none of it.
    expect(r.relay.stats().files).toMatchObject({ relayBytesIn: 0, relayBytesOut: 0 });
  });

  it('delivers through the relay fallback when no direct path is used, and keeps the chunks for the next downloader', async () => {
    const r = await fixtures.relay();
    const [a, b, c] = await Promise.all(['Ana', 'Bo', 'Cy'].map((n) => client(r, n)));
    const bytes = new Uint8Array(randomBytes(5 * 16 * 1024 + 123));
    const file = await share(a!, room('lobby'), bytes, 16 * 1024);
    const sender = new FilePeer(a!);
    fixtures.defer(async () => sender.close());
    sender.seed(file);
    await a!.ping();
    const first = await new FilePeer(b!).downloadViaRelay(file);
    expect(sameBytes(first, bytes)).toBe(true);
    const uploadedOnce = sender.counters.uploadedToRelay;
    const second = await new FilePeer(c!).downloadViaRelay(file);
    expect(sameBytes(second, bytes)).toBe(true);
    // The second download came from the relay's cache: the sender uploaded nothing more.
    expect(sender.counters.uploadedToRelay).toBe(uploadedOnce);
    const stats = r.relay.stats().files!;
    expect(stats.relayBytesIn).toBe(uploadedOnce);
    expect(stats.relayCacheHits).toBeGreaterThan(0);
  });

  it('refuses the fallback with FILE_FALLBACK_OFF when the admin turned it off, and carries nothing', async () => {
    const r = await fixtures.relay({ files: { relayFallback: false } });
    const [a, b] = await Promise.all(['Ana', 'Bo'].map((n) => client(r, n)));
    const file = await share(a!, room('lobby'), new Uint8Array(randomBytes(3 * 16 * 1024)), 16 * 1024);
    const sender = new FilePeer(a!);
    fixtures.defer(async () => sender.close());
    sender.seed(file);
    await a!.ping();
    b.send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    expect((await b!.next('filePeers')).fallback).toBe(false);
    await expect(new FilePeer(b!).downloadViaRelay(file)).rejects.toMatchObject({ code: ErrorCode.FILE_FALLBACK_OFF });
    expect(r.relay.stats().files).toMatchObject({ relayBytesIn: 0, relayBytesOut: 0 });
    // Files off entirely: every request answers FILE_DISABLED.
    const off = await fixtures.relay({ files: { enabled: false } });
    const x = await client(off, 'X');
    x.send({ case: 'fileWantPeers', value: { fileId: file.fields.fileId } });
    expect((await x.next('fileError')).code).toBe(ErrorCode.FILE_DISABLED);
  });
});
