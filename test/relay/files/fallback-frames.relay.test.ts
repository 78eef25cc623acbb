/**
 * Real relay on port 0: a holder streams chunks the relay asked it to carry
 * (fallback). Each 256 KiB chunk is 8 pieces, so a 3 MB file is 96 frames in
 * a burst, more than the control-frame budget (burst 50, 20/s). Pieces the
 * relay asked for are paid from the fallback's byte budget and take no
 * control-frame token; before that, pieces were dropped (the carriage broke
 * and the downloader waited forever) and a sustained stream disconnected the
 * holder. Unasked pieces still take a token.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CHAT_ID_BYTES, ErrorCode } from '../../../proto/index.ts';
import { room, sendItem, signedItem } from '../../helpers/chat.ts';
import { FilePeer, buildSharedFile } from '../../helpers/files/index.ts';
import { generateKey } from '../../helpers/relay-client.ts';
import { perTest } from '../../helpers/relay-fixture.ts';

describe('relay fallback and the control-frame rate', () => {
  const fixtures = perTest();

  it('a holder streams a 3 MB file through the relay without being rate-limited; bytes equal', async () => {
    const r = await fixtures.relay();
    const [a, b] = await Promise.all(['Ana', 'Bo'].map((name) => fixtures.client(r, { name, key: generateKey() })));
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 99));
    const id = new Uint8Array(randomBytes(CHAT_ID_BYTES));
    const file = await buildSharedFile(a!, room('lobby'), bytes, id, 256 * 1024);
    await sendItem(a!, { ...signedItem(a!, { target: room('lobby'), text: 'test.bin', id }), file: file.manifest });
    const limited: number[] = [];
    a!.socket.tap((m) => {
      if (m.case === 'error' && m.value.code === ErrorCode.RATE_LIMITED) limited.push(m.value.code);
    });
    const sender = new FilePeer(a!);
    fixtures.defer(async () => sender.close());
    sender.seed(file);
    await a!.ping();
    const got = await new FilePeer(b!).downloadViaRelay(file);
    expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
    expect(sender.counters.uploadedToRelay).toBeGreaterThanOrEqual(bytes.byteLength);
    // Still connected, and never told it sent too much.
    await a!.ping();
    expect(limited).toEqual([]);
  });

  it('unasked pieces still take control-frame tokens: a flood is rate-limited', async () => {
    const r = await fixtures.relay();
    const a = await fixtures.client(r, { name: 'Ana', key: generateKey() });
    const limited = new Promise<void>((resolve) => a.socket.tap((m) => m.case === 'error' && m.value.code === ErrorCode.RATE_LIMITED && resolve()));
    const fileId = new Uint8Array(randomBytes(CHAT_ID_BYTES));
    for (let i = 0; i < 80; i++) a.send({ case: 'fileRelayPiece', value: { fileId, chunk: 0, offset: 0, data: new Uint8Array(1024) } });
    await limited;
  });
});
