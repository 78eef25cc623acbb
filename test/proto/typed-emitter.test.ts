import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../proto/typed-emitter.ts';

interface Events {
  level: (value: number, on: boolean) => void;
  done: () => void;
}

describe('TypedEmitter.emit', () => {
  it('calls listeners with typed args and stops after unsubscribe', () => {
    const hub = new TypedEmitter<Events>(() => {});
    const got: [number, boolean][] = [];
    const off = hub.on('level', (v, on) => got.push([v, on]));
    hub.emit('level', 0.5, true);
    off();
    hub.emit('level', 0.7, false);
    expect(got).toEqual([[0.5, true]]);
  });

  it('isolates a throwing listener and reports it', () => {
    const errors: string[] = [];
    const hub = new TypedEmitter<Events>((e, event) => errors.push(`${String(event)}:${(e as Error).message}`));
    let second = 0;
    hub.on('done', () => {
      throw new Error('boom');
    });
    hub.on('done', () => second++);
    hub.emit('done');
    expect(second).toBe(1);
    expect(errors).toEqual(['done:boom']);
  });
});
