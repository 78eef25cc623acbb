/**
 * `voice-workers auto` in a cluster resolves as on a single relay (cores - 1):
 * workers reach the relay links through the link gateway (decisions D128); an
 * explicit number is kept.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../relay/config/index.ts';
import { toRelayOptions } from '../../../relay/config/to-relay-options.ts';

const machine = { cores: 8, defaultStaticDir: '/tmp/static' };
const workers = (flags: Record<string, string>): number | undefined => toRelayOptions(resolveConfig({ flags, env: {} }).config, machine).voiceWorkers;

describe('voice workers in a cluster', () => {
  it('auto is cores - 1 with or without --cluster; an explicit number stays', () => {
    expect(workers({ cluster: 'nats://127.0.0.1:4222' })).toBe(7);
    expect(workers({})).toBe(7);
    expect(workers({ cluster: 'nats://127.0.0.1:4222', 'voice-workers': '3' })).toBe(3);
  });
});
