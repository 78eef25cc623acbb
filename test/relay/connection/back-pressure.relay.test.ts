/**
 * Back-pressure and byte-bounded pages on a real relay (issue 12, findings 1
 * and 3): history pages of large legal messages fit the client's frame limit
 * and page through everything in order; a client that stops reading while
 * flooding history requests is closed as a slow reader with the relay never
 * holding more than its send budget for it, and others are not affected.
 */
import { describe, expect, it } from 'vitest';
import { chatCharCount, CLOSE_SLOW_READER, ErrorCode, MAX_CHAT_CHARS, MAX_CONTROL_FRAME_BYTES } from '../../../proto/index.ts';
import type { ChatMessage } from '../../../proto/index.ts';
import { chat, history, room } from '../../helpers/chat.ts';
import { generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { perTest } from '../../helpers/relay-fixture.ts';
import { waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

/** A legal message of MAX_CHAT_CHARS characters, ~20 KB of UTF-8: emoji after a 4-digit number. */
function bigText(i: number): string {
  return String(i).padStart(4, '0') + '😀'.repeat(MAX_CHAT_CHARS - 4);
}

async function fillLobby(author: TestClient, count: number): Promise<string[]> {
  const sent: string[] = [];
  for (let i = 1; i <= count; i++) {
    const text = bigText(i);
    expect((await chat(author, { target: room('lobby'), text })).ack.code).toBe(ErrorCode.UNSPECIFIED);
    sent.push(text);
  }
  return sent;
}

const textOf = (m: ChatMessage): string => m.post?.text ?? '';

describe('back-pressure and byte-bounded pages', () => {
  const fixtures = perTest();
  const client = (r: StartedRelay, name: string): Promise<TestClient> => fixtures.client(r, { name, key: generateKey() });

  it('cuts chat history pages by bytes: 60 messages of 5,000 emoji page through in order, every frame within the client limit', async () => {
    expect(chatCharCount(bigText(1))).toBe(MAX_CHAT_CHARS);
    const r = await fixtures.relay({ chat: { burst: 100 }, limits: { controlBurst: 500, controlPerSecond: 500 } });
    const a = await client(r, 'Ana');
    const sent = await fillLobby(a, 60);
    const reader = await client(r, 'Bo');
    const sizes: number[] = [];
    reader.socket.tapFrameBytes((bytes) => sizes.push(bytes));
    const pages: ChatMessage[][] = [];
    let before = 0n;
    for (;;) {
      const page = await history(reader, room('lobby'), before, 100);
      expect(page.code).toBe(ErrorCode.UNSPECIFIED);
      expect(page.messages.length).toBeGreaterThan(0);
      pages.unshift(page.messages);
      if (!page.hasMore) break;
      before = page.messages[0]!.seq;
    }
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.flat().map(textOf)).toEqual(sent);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_CONTROL_FRAME_BYTES);
    expect(r.relay.stats().controlSend).toMatchObject({ oversizedFrames: 0, largestFrameBytes: Math.max(...sizes) });
  });

  it('closes a client that floods history requests without reading (close 4101), holding at most the send budget for it; others are unaffected', async () => {
    const budget = 1024 * 1024;
    const r = await fixtures.relay({
      chat: { burst: 100 },
      limits: {
        controlBurst: 2_000,
        controlPerSecond: 2_000,
        sendBudgetBytes: budget,
        sendSoftBytes: 256 * 1024,
        sendStallMs: 300,
        pingIntervalMs: 50,
        closeGraceMs: 30_000,
      },
    });
    const a = await client(r, 'Ana');
    await fillLobby(a, 60);
    const watcher = await client(r, 'Watcher');
    const slow = await client(r, 'Slow');
    const closed = waitForEvent(r.relay, 'connection-closed', (e) => e.sessionId === slow.sessionId, 60_000);
    slow.socket.pauseReading();
    const request = { case: 'chatHistoryRequest' as const, value: { requestId: 1, target: { to: { case: 'roomId' as const, value: 'lobby' } }, limit: 100 } };
    // Load, not synchronisation: at most 1,000 requests a second, within the relay's control budget; the close event ends it.
    const flood = setInterval(() => {
      for (let i = 0; i < 10; i++) slow.send(request);
    }, 10);
    const event = await closed.finally(() => clearInterval(flood));
    expect(event.code).toBe(CLOSE_SLOW_READER);
    const send = r.relay.stats().controlSend;
    expect(send.slowReadersClosed).toBe(1);
    expect(send.peakBufferedBytes).toBeGreaterThan(0);
    expect(send.peakBufferedBytes).toBeLessThanOrEqual(budget);
    // The client learns why once it reads again.
    slow.socket.resumeReading();
    expect((await slow.socket.closed).code).toBe(CLOSE_SLOW_READER);
    // Others are served as before.
    const page = await history(watcher, room('lobby'), 0n, 100);
    expect(page.code).toBe(ErrorCode.UNSPECIFIED);
    expect(page.messages.at(-1)?.post?.text).toBe(bigText(60));
    await watcher.ping();
  }, 90_000);

  it('closes a client that keeps asking while congested at its maxRefusedWhileCongested-th refusal, without waiting for sendStallMs', async () => {
    const r = await fixtures.relay({
      chat: { burst: 100 },
      // sendStallMs far past the test: only the refusal count can close the reader.
      limits: { controlBurst: 2_000, controlPerSecond: 2_000, sendBudgetBytes: 1024 * 1024, sendSoftBytes: 256 * 1024, sendStallMs: 3_600_000, maxRefusedWhileCongested: 8, closeGraceMs: 30_000 },
    });
    const a = await client(r, 'Ana');
    await fillLobby(a, 20);
    const slow = await client(r, 'Slow');
    const closed = waitForEvent(r.relay, 'connection-closed', (e) => e.sessionId === slow.sessionId, 60_000);
    slow.socket.pauseReading();
    const request = { case: 'chatHistoryRequest' as const, value: { requestId: 1, target: { to: { case: 'roomId' as const, value: 'lobby' } }, limit: 100 } };
    // Load, not synchronisation: requests until the close event.
    const flood = setInterval(() => {
      for (let i = 0; i < 10; i++) slow.send(request);
    }, 10);
    const event = await closed.finally(() => clearInterval(flood));
    expect(event.code).toBe(CLOSE_SLOW_READER);
    const send = r.relay.stats().controlSend;
    expect(send.slowReadersClosed).toBe(1);
    expect(event.reason).toMatch(/kept asking/);
    expect(send.slowDowns).toBeGreaterThanOrEqual(8);
    expect(send.peakBufferedBytes).toBeLessThanOrEqual(1024 * 1024);
    slow.socket.resumeReading();
    expect((await slow.socket.closed).code).toBe(CLOSE_SLOW_READER);
    // A reader that reads is never closed by the count: 40 pages asked one after another are all served.
    const reader = await client(r, 'Reader');
    for (let i = 0; i < 40; i++) expect((await history(reader, room('lobby'), 0n, 100)).code).toBe(ErrorCode.UNSPECIFIED);
    expect(r.relay.stats().controlSend.slowReadersClosed).toBe(1);
  }, 90_000);
});
