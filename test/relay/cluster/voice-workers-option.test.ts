/**
 * `voice-workers auto` in a cluster: voice between relays runs on the
 * in-process plane only, so auto means 0 there (decisions D127); an explicit
 * number is kept, and alone a relay keeps cores - 1.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../relay/config/index.ts';
import { toRelayOptions } from '../../../relay/config/to-relay-options.ts';

const machine = { cores: 8, defaultStaticDir: '/tmp/static' };
const workers = (flags: Record<string, string>): number | undefined => toRelayOptions(resolveConfig({ flags, env: {} }).config, machine).voiceWorkers;

describe('voice workers in a cluster', () => {
  it('auto is 0 with --cluster, cores - 1 without; an explicit number stays', () => {
    expect(workers({ cluster: 'nats://127.0.0.1:4222' })).toBe(0);
    expect(workers({})).toBe(7);
    expect(workers({ cluster: 'nats://127.0.0.1:4222', 'voice-workers': '3' })).toBe(3);
  });
});
