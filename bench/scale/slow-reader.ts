/**
 * Slow-reader probe for `npm run bench:scale` (issue 12, finding 1): a real
 * relay in a child process (so the RSS measured is the relay's alone) with
 * default limits, a lobby of large legal messages, and one guest that stops
 * reading its socket and asks for history pages at 18 a second (within the
 * control budget, as in the finding). Reports how much the relay's resident
 * memory grew while the slow reader was connected, and whether and how the
 * relay closed it.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { MAX_CHAT_CHARS } from '../../proto/index.ts';
import { CloseCode } from '../../relay/index.ts';
import { chat, room } from '../../test/helpers/chat.ts';
import { connectClient, generateKey } from '../../test/helpers/relay-client.ts';
import type { TestClient } from '../../test/helpers/relay-client.ts';
import { startRelayProcess } from '../../test/e2e/relay-process.ts';

/** Knobs of {@link runSlowReader}. */
export interface SlowReaderOptions {
  /** Messages in the lobby, each MAX_CHAT_CHARS emoji (~20 KB). Default 200. */
  readonly messages?: number;
  /** History requests per second from the slow reader. Default 18 (the control budget is 20/s). */
  readonly requestsPerSecond?: number;
  /** Give up waiting for the close after this long, ms. Default 90 000. */
  readonly maxWaitMs?: number;
  /** Node flags for the relay process (e.g. `--max-semi-space-size=2` to see what V8's young generation holds). */
  readonly relayNodeArgs?: readonly string[];
}

/** What {@link runSlowReader} measured. */
export interface SlowReaderResult {
  /** Peak relay RSS while the slow reader was connected, minus RSS just before it started, MB. */
  readonly slowReaderRssGrowthMB: number;
  readonly closed: boolean;
  /** The close code the slow reader got (4101: slow reader), or null if it was not closed. */
  readonly closeCode: number | null;
  /** From the reader's first request to the close, ms. */
  readonly closedAfterMs: number | null;
  readonly requestsSent: number;
  readonly rssBeforeMB: number;
  readonly messages: number;
}

const AUTHOR_BURST = 10;

/** Runs the probe; starts and stops its own relay process. */
export async function runSlowReader(options: SlowReaderOptions = {}): Promise<SlowReaderResult> {
  const messages = options.messages ?? 200;
  const rate = options.requestsPerSecond ?? 18;
  const maxWaitMs = options.maxWaitMs ?? 90_000;
  const relay = await startRelayProcess([], { nodeArgs: options.relayNodeArgs ?? [] });
  const wsUrl = `${relay.url.replace(/^http/, 'ws').replace(/\/$/, '')}/ws`;
  const clients: TestClient[] = [];
  try {
    // Fill with several authors: the per-user chat bucket is 10 posts, then 2 a second.
    const text = '😀'.repeat(MAX_CHAT_CHARS);
    for (let posted = 0; posted < messages; ) {
      const author = await connectClient(wsUrl, { name: `Author ${clients.length + 1}`, key: generateKey() });
      clients.push(author);
      for (let i = 0; i < AUTHOR_BURST && posted < messages; i++, posted++) await chat(author, { target: room('lobby'), text });
    }
    for (const c of clients.splice(0)) await c.close();
    const slow = await connectClient(wsUrl, { name: 'Slow reader', key: generateKey(), lean: true });
    clients.push(slow);
    const rssBefore = relay.rssKiB();
    let peak = rssBefore;
    slow.socket.pauseReading();
    const started = Date.now();
    let sent = 0;
    let closedAt: number | null = null;
    let closeCode: number | null = null;
    // A paused reader never sees the close frame (and resuming would drain the buffer), so the probe reads the relay's own log line.
    const closeLine = new RegExp(`connection closed \\[conn:\\d+, session:${slow.sessionId}, code:(\\d+)`);
    const request = { case: 'chatHistoryRequest' as const, value: { requestId: 1, target: { to: { case: 'roomId' as const, value: 'lobby' } }, limit: 100 } };
    while (Date.now() - started < maxWaitMs) {
      const m = closeLine.exec(relay.output());
      if (m) {
        closedAt = Date.now();
        closeCode = Number(m[1]);
        break;
      }
      slow.send(request);
      sent++;
      peak = Math.max(peak, relay.rssKiB());
      await delay(1000 / rate);
    }
    slow.socket.resumeReading();
    const info = closedAt === null ? null : await Promise.race([slow.socket.closed, delay(5_000).then(() => null)]);
    return {
      slowReaderRssGrowthMB: Math.round(((peak - rssBefore) / 1024) * 10) / 10,
      closed: closeCode !== null,
      closeCode: info?.code ?? closeCode,
      closedAfterMs: closedAt === null ? null : closedAt - started,
      requestsSent: sent,
      rssBeforeMB: Math.round((rssBefore / 1024) * 10) / 10,
      messages,
    };
  } finally {
    for (const c of clients) c.socket.terminate();
    await relay.stop();
  }
}

/** The close code a slow reader should get. */
export const EXPECTED_CLOSE_CODE = CloseCode.SlowReader;
