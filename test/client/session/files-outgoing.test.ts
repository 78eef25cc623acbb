/**
 * The queue of shares not posted yet (client/session/files-outgoing.ts):
 * taken one at a time in order, progress heard once per whole percent,
 * cancel aborts the share's signal, a failure stays until dismissed.
 */
import { describe, expect, it } from 'vitest';
import { OutgoingShares } from '../../../client/session/files-outgoing.ts';

const file = (name: string, size: number): File => new File([new Uint8Array(size)], name);

describe('OutgoingShares', () => {
  it('hands out queued shares oldest first, tells the UI once per whole percent, and drops a share once posted', () => {
    let changes = 0;
    const q = new OutgoingShares(() => changes++);
    const a = q.add('room:lobby', file('a.bin', 1000));
    const b = q.add('dm:00', file('b.bin', 10));
    expect(q.all.map((s) => [s.name, s.status])).toEqual([['a.bin', 'queued'], ['b.bin', 'queued']]);
    const first = q.take()!;
    expect(first).toMatchObject({ id: a, conversation: 'room:lobby' });
    expect(first.file.name).toBe('a.bin');
    expect(q.all[0]!.status).toBe('preparing');
    changes = 0;
    for (let n = 1; n <= 1000; n++) q.progress(a, n);
    expect(changes).toBe(100);
    expect(q.all[0]!.doneBytes).toBe(1000);
    q.done(a);
    expect(q.take()!.id).toBe(b);
    expect(q.take()).toBeNull();
  });

  it('cancel aborts a share being prepared and removes a queued one before it starts', () => {
    const q = new OutgoingShares(() => {});
    const a = q.add('room:lobby', file('a.bin', 5));
    const b = q.add('room:lobby', file('b.bin', 5));
    const taken = q.take()!;
    q.cancel(a);
    expect(taken.signal.aborted).toBe(true);
    q.cancel(b);
    expect(q.all).toEqual([]);
    expect(q.take()).toBeNull();
    // Late progress of a cancelled share changes nothing.
    q.progress(a, 5);
    expect(q.all).toEqual([]);
  });

  it('keeps a failed share with its code until dismissed; dismiss does not remove one still preparing', () => {
    const q = new OutgoingShares(() => {});
    const a = q.add('room:lobby', file('a.bin', 5));
    q.take();
    q.dismiss(a);
    expect(q.all).toHaveLength(1);
    q.failed(a, 'quota-exceeded');
    expect(q.all[0]).toMatchObject({ status: 'failed', error: 'quota-exceeded' });
    expect(q.take()).toBeNull();
    q.dismiss(a);
    expect(q.all).toEqual([]);
  });
});
