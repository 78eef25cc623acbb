/**
 * The client's ChatClient against a real relay (Node control sockets doing
 * the real handshake): delivery with signature checks, the outbox across a
 * "reload", ordering under the rate limit, unread counts and mentions,
 * history paging, and a relay that lies about a message.
 */
import type { KeyObject } from 'node:crypto';
import { describe, expect, it, vi as vitest } from 'vitest';

/** vi with a longer default wait: other test processes may share the two cores. */
const vi = { waitFor: <T>(fn: () => T, options: { timeout?: number } = {}) => vitest.waitFor(fn, { timeout: 10_000, ...options }) };
import { ChatClient, memoryChatPersistence, roomKey, directKey, unreadCount } from '../../../../client/session/index.ts';
import type { ChatPersistence, ChatState } from '../../../../client/session/index.ts';
import { toHex } from '../../../../keys/index.ts';
import { connectClient, generateKey, rawPublicKeyOf, nodeSigner } from '../../../helpers/relay-client.ts';
import type { TestClient } from '../../../helpers/relay-client.ts';
import type { StartedRelay } from '../../../helpers/start-relay.ts';
import { chat as sendAs, room } from '../../../helpers/chat.ts';
import { perTest } from '../../../helpers/relay-fixture.ts';


interface Chatter {
  readonly client: ChatClient;
  readonly socket: TestClient;
  readonly key: KeyObject;
}

const LOBBY = roomKey('lobby');
const texts = (s: ChatState, key = LOBBY): string[] => (s.conversations.get(key)?.messages ?? []).map((m) => m.text);
const pendingTexts = (s: ChatState, key = LOBBY): string[] => (s.conversations.get(key)?.pending ?? []).map((p) => p.text);

describe('ChatClient with a real relay', () => {
  const fixtures = perTest();
  const relayWith = fixtures.relay;

  /** A ChatClient (possibly offline so far) with its persistence. */
  function offlineChatter(key: KeyObject, persistence: ChatPersistence): ChatClient {
    const client = new ChatClient({ signer: nodeSigner(key), persistence, onChange: () => {} });
    fixtures.defer(async () => client.close());
    return client;
  }

  async function goOnline(r: StartedRelay, client: ChatClient, key: KeyObject, name: string): Promise<TestClient> {
    const socket = await connectClient(r.relay.wsUrl, { name, key });
    fixtures.defer(() => socket.close());
    for (const m of socket.socket.received) client.handle(m);
    socket.socket.tap((m) => client.handle(m));
    client.connected({ relayKey: socket.hello.relayPublicKey, selfName: name, send: (m) => (socket.socket.isOpen ? (socket.send(m), true) : false) });
    client.followRoom('lobby');
    return socket;
  }

  async function chatter(r: StartedRelay, name: string, persistence = memoryChatPersistence(), key = generateKey()): Promise<Chatter> {
    const client = offlineChatter(key, persistence);
    await client.ready;
    return { client, key, socket: await goOnline(r, client, key, name) };
  }

  it('sends a message that the other side shows as verified, with author, fingerprint and time', async () => {
    const r = await relayWith();
    const a = await chatter(r, 'Ana');
    const b = await chatter(r, 'Bo');
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: '  hello Bo \r\n second line ' });
    await vi.waitFor(() => expect(texts(b.client.state)).toEqual(['hello Bo \n second line']));
    const m = b.client.state.conversations.get(LOBBY)!.messages[0]!;
    expect(m).toMatchObject({ authorName: 'Ana', verified: 'ok', own: false, deleted: null, authorKeyHex: toHex(rawPublicKeyOf(a.key)) });
    expect(m.authorFingerprint).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(m.serverTimeMs).toBeGreaterThan(0);
    await vi.waitFor(() => expect(pendingTexts(a.client.state)).toEqual([]));
    await vi.waitFor(() => expect(a.client.state.conversations.get(LOBBY)!.messages[0]).toMatchObject({ own: true, verified: 'ok' }));
  });

  it('keeps messages typed offline across a reload and sends them in order after connecting', async () => {
    const r = await relayWith();
    const b = await chatter(r, 'Bo');
    const persistence = memoryChatPersistence();
    const key = generateKey();
    // Online once (to learn the relay), then offline.
    const first = offlineChatter(key, persistence);
    const socket = await goOnline(r, first, key, 'Ana');
    await socket.close();
    first.disconnected();
    for (const t of ['one', 'two', 'three']) first.dispatch({ type: 'chat-send', conversation: LOBBY, text: t });
    await vi.waitFor(() => expect(pendingTexts(first.state)).toEqual(['one', 'two', 'three']));
    expect(first.state.conversations.get(LOBBY)!.pending.every((p) => p.status === 'queued')).toBe(true);
    first.close();

    // "Reload": a new client on the same storage shows them pending, then sends them.
    const second = offlineChatter(key, persistence);
    await second.ready;
    expect(pendingTexts(second.state)).toEqual(['one', 'two', 'three']);
    await goOnline(r, second, key, 'Ana');
    await vi.waitFor(() => expect(texts(b.client.state)).toEqual(['one', 'two', 'three']));
    await vi.waitFor(() => expect(pendingTexts(second.state)).toEqual([]));
    expect(await persistence.loadOutbox()).toEqual([]);
  });

  it('waits out the rate limit and still delivers everything in order', async () => {
    // The relay's clock moves only when the test moves it, so the bucket (2 tokens, one more per
    // 50 ms) cannot refill while a busy machine delays the client: the third message is refused
    // for certain. After each refusal the test lets one token's worth of time pass (50 ms).
    let now = Date.now();
    const r = await relayWith({ clock: { now: () => now }, chat: { burst: 2, perSecond: 20 } });
    const a = await chatter(r, 'Ana');
    const b = await chatter(r, 'Bo');
    const sent = Array.from({ length: 6 }, (_, i) => `n${i}`);
    const refused = (): number => r.relay.stats().frames['chat-refused'] ?? 0;
    for (const t of sent) a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: t });
    for (let advanced = 0; texts(b.client.state).length < sent.length; ) {
      await vi.waitFor(() => expect(texts(b.client.state).length === sent.length || refused() > advanced).toBe(true));
      for (; refused() > advanced; advanced++) now += 50;
    }
    expect(texts(b.client.state)).toEqual(sent);
    // Two went through on the burst; the other four needed a token each, and a token only came
    // after a refusal. (A retry that beat the test's clock step is refused twice: hence "at least".)
    expect(refused()).toBeGreaterThanOrEqual(4);
    await vi.waitFor(() => expect(pendingTexts(a.client.state)).toEqual([]));
  });

  it('counts unread messages and mentions outside the open conversation, and clears them on open', async () => {
    const r = await relayWith();
    const a = await chatter(r, 'Ana');
    const b = await chatter(r, 'Bo');
    b.client.dispatch({ type: 'chat-open', conversation: roomKey('quiet') });
    let mentions = b.client.state.mentionCount;
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: 'plain' });
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: 'hey @bo, can you hear me?' });
    await vi.waitFor(() => expect(unreadCount(b.client.state.conversations.get(LOBBY)!)).toBe(2));
    expect(b.client.state.conversations.get(LOBBY)!.mentioned).toBe(true);
    expect(b.client.state.mentionCount).toBe(mentions + 1);
    mentions = b.client.state.mentionCount;
    // A direct message is unread in its own conversation.
    a.client.dispatch({ type: 'chat-send', conversation: directKey(toHex(rawPublicKeyOf(b.key))), text: 'psst' });
    const dm = directKey(toHex(rawPublicKeyOf(a.key)));
    await vi.waitFor(() => expect(b.client.state.conversations.get(dm)).toMatchObject({ lastSeq: 1, peerName: 'Ana' }));
    expect(unreadCount(b.client.state.conversations.get(dm)!)).toBe(1);
    b.client.dispatch({ type: 'chat-open', conversation: LOBBY });
    expect(unreadCount(b.client.state.conversations.get(LOBBY)!)).toBe(0);
    expect(b.client.state.conversations.get(LOBBY)!.mentioned).toBe(false);
    // The hidden panel does not mark anything read.
    b.client.dispatch({ type: 'chat-visible', visible: false });
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: 'while hidden' });
    await vi.waitFor(() => expect(unreadCount(b.client.state.conversations.get(LOBBY)!)).toBe(1));
    expect(b.client.state.mentionCount).toBe(mentions);
    // After a rename (issue 3's SetDisplayName), mentions follow the new name.
    b.client.renamed('Bobby');
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: 'thanks Bobby' });
    await vi.waitFor(() => expect(unreadCount(b.client.state.conversations.get(LOBBY)!)).toBe(2));
    expect(b.client.state.mentionCount).toBe(mentions + 1);
  });

  it('loads the latest 50 on open and older pages on request', async () => {
    const r = await relayWith({ chat: { burst: 500 }, limits: { controlBurst: 500, controlPerSecond: 500 } });
    const a = await chatter(r, 'Ana');
    for (let i = 1; i <= 70; i++) await sendAs(a.socket, { target: room('quiet'), text: `q${i}` });
    const c = await chatter(r, 'Cy');
    const quiet = roomKey('quiet');
    c.client.dispatch({ type: 'chat-open', conversation: quiet });
    await vi.waitFor(() => expect(c.client.state.conversations.get(quiet)).toMatchObject({ loaded: true, loading: false, hasMore: true }));
    expect(texts(c.client.state, quiet)).toHaveLength(50);
    expect(texts(c.client.state, quiet)[0]).toBe('q21');
    c.client.dispatch({ type: 'chat-load-older', conversation: quiet });
    await vi.waitFor(() => expect(texts(c.client.state, quiet)).toHaveLength(70));
    expect(c.client.state.conversations.get(quiet)!.hasMore).toBe(false);
    expect(texts(c.client.state, quiet)[0]).toBe('q1');
  });

  it('edits and deletes its own messages; a message the relay altered shows as unverifiable', async () => {
    const r = await relayWith();
    const a = await chatter(r, 'Ana');
    const b = await chatter(r, 'Bo');
    a.client.dispatch({ type: 'chat-send', conversation: LOBBY, text: 'teh' });
    await vi.waitFor(() => expect(texts(b.client.state)).toEqual(['teh']));
    const id = b.client.state.conversations.get(LOBBY)!.messages[0]!.id;
    a.client.dispatch({ type: 'chat-edit', conversation: LOBBY, messageId: id, text: 'the' });
    await vi.waitFor(() => expect(b.client.state.conversations.get(LOBBY)!.messages[0]).toMatchObject({ text: 'the', verified: 'ok' }));
    expect(b.client.state.conversations.get(LOBBY)!.messages[0]!.editedAtMs).toBeGreaterThan(0);
    a.client.dispatch({ type: 'chat-delete', conversation: LOBBY, messageId: id });
    await vi.waitFor(() => expect(b.client.state.conversations.get(LOBBY)!.messages[0]).toMatchObject({ text: '', deleted: { byAuthor: true }, verified: 'ok' }));

    // B tries to edit A's message: refused, and B's pending edit marker clears.
    const post = await sendAs(a.socket, { target: room('lobby'), text: 'mine' });
    await vi.waitFor(() => expect(texts(b.client.state)).toContain('mine'));
    b.client.dispatch({ type: 'chat-edit', conversation: LOBBY, messageId: toHex(post.item.id as Uint8Array), text: 'yours' });
    await vi.waitFor(() => expect(b.socket.socket.received.some((m) => m.case === 'chatAck' && m.value.code !== 0)).toBe(true));
    await vi.waitFor(() => expect(b.client.state.conversations.get(LOBBY)!.messages.at(-1)).toMatchObject({ text: 'mine', pendingChange: null }));
    // ...and B is told why, until B dismisses it.
    await vi.waitFor(() => expect(b.client.state.refused).toMatchObject({ action: 'edit', conversation: LOBBY, error: { code: 'chat-forbidden' } }));
    b.client.dispatch({ type: 'chat-dismiss-refusal' });
    expect(b.client.state.refused).toBeNull();

    // A lying relay: the same event with altered text.
    const event = b.socket.socket.received.find((m) => m.case === 'chatEvent' && m.value.message?.post?.text === 'mine');
    if (event?.case !== 'chatEvent') throw new Error('no event');
    const forged = structuredClone(event.value);
    forged.message!.post!.text = 'evil';
    forged.message!.seq = 99n;
    b.client.handle({ case: 'chatEvent', value: forged });
    await vi.waitFor(() => expect(b.client.state.conversations.get(LOBBY)!.messages.find((m) => m.seq === 99)).toMatchObject({ text: 'evil', verified: 'bad' }));
  });

  it('a refused history request ends loading with the reason instead of an empty, loaded conversation', async () => {
    const r = await relayWith();
    const a = await chatter(r, 'Ana');
    const nowhere = roomKey('nowhere');
    a.client.dispatch({ type: 'chat-open', conversation: nowhere });
    await vi.waitFor(() => expect(a.client.state.conversations.get(nowhere)).toMatchObject({ loading: false, loaded: false, loadError: { code: 'unknown-room' } }));
  });

  it('a relay frame dropped undecoded (too large) ends every outstanding history request with an error, never "Loading…" forever', async () => {
    const r = await relayWith();
    const key = generateKey();
    const client = offlineChatter(key, memoryChatPersistence());
    await client.ready;
    const socket = await connectClient(r.relay.wsUrl, { name: 'Ana', key });
    fixtures.defer(() => socket.close());
    // The network edge: history replies are lost as a too-large frame would be.
    socket.socket.tap((m) => {
      if (m.case !== 'chatHistory') client.handle(m);
    });
    const pageAnswered = socket.next('chatHistory');
    client.connected({ relayKey: socket.hello.relayPublicKey, selfName: 'Ana', send: (m) => (socket.socket.isOpen ? (socket.send(m), true) : false) });
    client.followRoom('lobby');
    expect(client.state.conversations.get(LOBBY)?.loading).toBe(true);
    await pageAnswered;
    client.replyLost();
    expect(client.state.conversations.get(LOBBY)).toMatchObject({ loading: false, loadError: { code: 'reply-unreadable' } });
  });
});
