/**
 * FilesLink's share queue with the real file code loaded (issue 16, D138):
 * a file dropped before the page ever signed in waits (`queued`), the first
 * sign-in starts it, and when the browser gives no file store at all (here
 * Node: neither OPFS nor IndexedDB) it ends `failed` with
 * `storage-unavailable`, shown until dismissed, and nothing is posted.
 */
import { describe, expect, it } from 'vitest';
import { FilesLink } from '../../../client/session/files-link.ts';
import { generateKey, nodeSigner } from '../../helpers/relay-client.ts';

describe('FilesLink share queue', () => {
  it('waits for the first sign-in, then says why it cannot share where no store opens; nothing is posted', async () => {
    const posted: string[] = [];
    let changed!: () => void;
    const link = new FilesLink({
      signer: nodeSigner(generateKey()),
      postFile: (_c, text) => void posted.push(text),
      onChange: () => changed?.(),
      now: () => 0,
    });
    const file = new File([new Uint8Array(1000)], 'notes.txt');
    await link.share('room:lobby', [file]);
    expect(link.outgoing.map((s) => [s.name, s.status])).toEqual([['notes.txt', 'queued']]);

    const failed = new Promise<void>((resolve) => (changed = () => link.outgoing[0]?.status === 'failed' && resolve()));
    link.connected(new Uint8Array(32).fill(1), () => {});
    await failed;
    expect(link.outgoing[0]).toMatchObject({ name: 'notes.txt', status: 'failed', error: 'storage-unavailable' });
    expect(posted).toEqual([]);

    await link.command({ type: 'file-share-dismiss', shareId: link.outgoing[0]!.id });
    expect(link.outgoing).toEqual([]);
  });
});
