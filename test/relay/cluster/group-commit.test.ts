/**
 * Group commit on the state log's writer (relay/cluster/group-commit.ts),
 * with a real in-memory machine: a key/value register whose requests are
 * "set k v if k is unset" and "copy a b". Requests that arrive while an
 * append is in flight share the next append; each is judged in order against
 * the state including the earlier ones of its batch; none is answered before
 * its append is done; frames are split under the size limit; a refused
 * append answers every request of its chunk and later ones null.
 */
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../../relay/cluster/group-commit.ts';
import { decodeStateBatch } from '../../../relay/cluster/state-batch.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

type Req = { op: 'set'; k: string; v: string } | { op: 'copy'; from: string; to: string };

/** A register applied only from appended frames; appends wait for `release()` so tests control when they are "in flight". */
function rig(options: { maxFrameBytes?: number; refuse?: (appendNo: number) => boolean } = {}) {
  const state = new Map<string, string>();
  const frames: string[][] = [];
  const answered: string[] = [];
  let gate: Array<() => void> = [];
  let held = true;
  let appends = 0;
  const group: GroupCommit = new GroupCommit({
    async judge(bytes) {
      const r = JSON.parse(dec.decode(bytes)) as Req;
      if (r.op === 'set') {
        if (state.has(r.k)) return enc.encode(`taken ${r.k}`);
        await group.commit(enc.encode(`{"${r.k}":"${r.v}"}`));
        return enc.encode(`set ${r.k}=${state.get(r.k)}`);
      }
      const v = state.get(r.from);
      if (v === undefined) return enc.encode(`missing ${r.from}`);
      await group.commit(enc.encode(`{"${r.to}":"${v}"}`));
      return enc.encode(`copied ${r.to}=${state.get(r.to)}`);
    },
    touches(bytes) {
      const r = JSON.parse(dec.decode(bytes)) as Req;
      return r.op === 'set' ? [r.k] : null;
    },
    ready: () => Promise.resolve(true),
    async append(frame) {
      const n = appends++;
      if (held) await new Promise<void>((resolve) => gate.push(resolve));
      if (options.refuse?.(n)) throw new Error('wrong last sequence');
      const decoded = decodeStateBatch(frame);
      if (!decoded.ok) throw new Error('bad frame');
      const entries = decoded.value.map((e) => dec.decode(e));
      frames.push(entries);
      for (const e of entries) for (const [k, v] of Object.entries(JSON.parse(e) as Record<string, string>)) state.set(k, v);
    },
    maxFrameBytes: () => options.maxFrameBytes ?? 1 << 20,
    maxRequests: 1024,
  });
  const submit = (r: Req): Promise<string | null> =>
    group.submit(enc.encode(JSON.stringify(r))).then((reply) => {
      const text = reply === null ? null : dec.decode(reply);
      answered.push(text ?? 'null');
      return text;
    });
  /** Resolves once an append is waiting at the gate. */
  const appendWaiting = async (): Promise<void> => {
    while (gate.length === 0) await new Promise((r) => setImmediate(r));
  };
  const release = (): void => {
    const g = gate;
    gate = [];
    for (const r of g) r();
  };
  const open = (): void => {
    held = false;
    release();
  };
  return { group, state, frames, answered, submit, appendWaiting, release, open };
}

describe('group commit', () => {
  it('batches the requests that arrive while an append is in flight into one append, answered only after it', async () => {
    const r = rig();
    const first = r.submit({ op: 'set', k: 'a', v: '1' });
    await r.appendWaiting();
    const rest = ['b', 'c', 'd', 'e'].map((k) => r.submit({ op: 'set', k, v: k }));
    // Nothing answered while the first append is in flight.
    expect(r.answered).toEqual([]);
    r.release();
    expect(await first).toBe('set a=1');
    await r.appendWaiting();
    expect(r.answered).toEqual(['set a=1']);
    r.open();
    expect(await Promise.all(rest)).toEqual(['set b=b', 'set c=c', 'set d=d', 'set e=e']);
    expect(r.frames).toEqual([['{"a":"1"}'], ['{"b":"b"}', '{"c":"c"}', '{"d":"d"}', '{"e":"e"}']]);
    expect(r.group.stats).toEqual({ appends: 2, entries: 5 });
  });

  it('judges each request against the state including the earlier ones of its batch (a conflict appends first)', async () => {
    const r = rig();
    const first = r.submit({ op: 'set', k: 'x', v: '0' });
    await r.appendWaiting();
    const later = [
      r.submit({ op: 'set', k: 'a', v: '1' }),
      r.submit({ op: 'set', k: 'a', v: '2' }), // same key: sees the first one
      r.submit({ op: 'copy', from: 'a', to: 'b' }), // reads anything: judged alone, after the batch before it
      r.submit({ op: 'set', k: 'c', v: '3' }),
    ];
    r.open();
    await first;
    expect(await Promise.all(later)).toEqual(['set a=1', 'taken a', 'copied b=1', 'set c=3']);
    expect(r.frames).toEqual([['{"x":"0"}'], ['{"a":"1"}'], ['{"b":"1"}'], ['{"c":"3"}']]);
    expect(Object.fromEntries(r.state)).toEqual({ x: '0', a: '1', b: '1', c: '3' });
  });

  it('splits a batch so every frame fits the limit', async () => {
    const r = rig({ maxFrameBytes: 64 });
    const first = r.submit({ op: 'set', k: 'first', v: '0' });
    await r.appendWaiting();
    const many = Array.from({ length: 12 }, (_, i) => r.submit({ op: 'set', k: `k${i}`, v: 'value' }));
    r.open();
    await first;
    expect(await Promise.all(many)).toEqual(Array.from({ length: 12 }, (_, i) => `set k${i}=value`));
    expect(r.frames.length).toBeGreaterThan(2);
    for (const f of r.frames) expect(2 + f.reduce((n, e) => n + e.length + 5, 0)).toBeLessThanOrEqual(64);
    expect(r.frames.flat()).toHaveLength(13);
  });

  it('a refused append answers its requests null (CLUSTER_UNAVAILABLE) and changes nothing', async () => {
    const r = rig({ refuse: (n) => n === 1 });
    const first = r.submit({ op: 'set', k: 'a', v: '1' });
    await r.appendWaiting();
    const failed = [r.submit({ op: 'set', k: 'b', v: '2' }), r.submit({ op: 'set', k: 'c', v: '3' })];
    r.open();
    expect(await first).toBe('set a=1');
    expect(await Promise.all(failed)).toEqual([null, null]);
    expect(Object.fromEntries(r.state)).toEqual({ a: '1' });
    // The next request goes through in an append of its own.
    expect(await r.submit({ op: 'set', k: 'b', v: '4' })).toBe('set b=4');
  });

  it('refuses a commit outside a judgement', async () => {
    const r = rig();
    await expect(r.group.commit(enc.encode('{}'))).rejects.toThrow('outside a judgement');
  });
});
