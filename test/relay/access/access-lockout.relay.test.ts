/**
 * Brute-force lock-out per address against a real relay with an injected
 * clock: Mumble's defaults (10 failures in 120 s lock out for 300 s), expiry,
 * the sliding window, a custom policy, and X-Forwarded-For believed only with
 * trustProxy. Other addresses and connected users are never affected.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { AddressLockout, closeCodeFor } from '../../../relay/index.ts';
import { connectClient, generateKey, RelayRefusedError, signAuth } from '../../helpers/relay-client.ts';
import type { ConnectOptions, TestClient } from '../../helpers/relay-client.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let now = Date.UTC(2026, 10, 20, 12, 0, 0);
const clock = { now: () => now };

async function attempt(relay: StartedRelay, options: Partial<ConnectOptions>): Promise<TestClient | RelayRefusedError> {
  return connectClient(relay.relay.wsUrl, { name: 'Guesser', ...options }).catch((e: unknown) => {
    if (e instanceof RelayRefusedError) return e;
    throw e;
  });
}

/** A sign-in whose signature is made by another key: BAD_SIGNATURE. */
const forged: Partial<ConnectOptions> = {
  tamper: (auth, hello) => ({ ...auth, signature: signAuth(generateKey(), hello.relayPublicKey, hello.nonce) }),
};

async function fail(relay: StartedRelay, from: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const r = await attempt(relay, { ...forged, forwardedFor: from });
    expect(r).toBeInstanceOf(RelayRefusedError);
    expect((r as RelayRefusedError).code).toBe(ErrorCode.BAD_SIGNATURE);
  }
}

describe('address lock-out (Mumble defaults, trustProxy)', () => {
  let started: StartedRelay;
  let observer: TestClient;

  beforeAll(async () => {
    started = await startRelay({ clock, trustProxy: true, limits: { pingIntervalMs: 3_600_000 } });
    observer = await connectClient(started.relay.wsUrl, { name: 'Observer', forwardedFor: '10.2.0.99' });
  });
  afterAll(async () => {
    await observer?.close();
    await started?.cleanup();
  });

  it('locks an address out after 10 failures in 120 s with LOCKED_OUT and its end; other addresses and users are unaffected', async () => {
    await fail(started, '10.2.0.1', 10);
    const locked = await attempt(started, { forwardedFor: '10.2.0.1' });
    expect(locked).toBeInstanceOf(RelayRefusedError);
    const err = locked as RelayRefusedError;
    expect(err.code).toBe(ErrorCode.LOCKED_OUT);
    expect(err.close?.code).toBe(closeCodeFor(ErrorCode.LOCKED_OUT));
    expect(started.logs.some((l) => l.includes('address locked out [address:10.2.0.1'))).toBe(true);

    await observer.ping();
    const neighbour = await attempt(started, { forwardedFor: '10.2.0.2' });
    expect(neighbour).not.toBeInstanceOf(RelayRefusedError);
    await (neighbour as TestClient).close();
  });

  it('the lock-out ends after 300 s of the injected clock, and waiting it out is not a failure', async () => {
    now += 299_000;
    const still = await attempt(started, { forwardedFor: '10.2.0.1' });
    expect((still as RelayRefusedError).code).toBe(ErrorCode.LOCKED_OUT);
    now += 1_001;
    const back = await attempt(started, { forwardedFor: '10.2.0.1' });
    expect(back).not.toBeInstanceOf(RelayRefusedError);
    await (back as TestClient).close();
    await observer.ping();
  });

  it('failures older than the 120 s window do not count', async () => {
    await fail(started, '10.2.0.3', 9);
    now += 121_000;
    await fail(started, '10.2.0.3', 1);
    const ok = await attempt(started, { forwardedFor: '10.2.0.3' });
    expect(ok).not.toBeInstanceOf(RelayRefusedError);
    await (ok as TestClient).close();
  });
});

describe('address lock-out policy', () => {
  it('is configurable, and ignores X-Forwarded-For without trustProxy', async () => {
    const started = await startRelay({ clock, lockout: { maxFailures: 2, windowMs: 1_000, lockMs: 5_000 } });
    try {
      // Without trustProxy every one of these is 127.0.0.1, whatever the header says.
      await fail(started, '10.3.0.1', 2);
      const locked = await attempt(started, { forwardedFor: '10.3.0.2' });
      expect((locked as RelayRefusedError).code).toBe(ErrorCode.LOCKED_OUT);
      expect(Number((locked as RelayRefusedError).close?.code)).toBe(closeCodeFor(ErrorCode.LOCKED_OUT));
      now += 5_001;
      const ok = await attempt(started, {});
      expect(ok).not.toBeInstanceOf(RelayRefusedError);
      await (ok as TestClient).close();
    } finally {
      await started.cleanup();
    }
  });
});

describe('AddressLockout', () => {
  it('reports the end of the lock-out it triggered, and forgets the least recently failing beyond maxTracked', () => {
    let t = 1_000;
    const lockout = new AddressLockout({ now: () => t }, { maxFailures: 2, windowMs: 100, lockMs: 50, maxTracked: 3 });
    expect(lockout.recordFailure('a')).toBeNull();
    expect(lockout.recordFailure('a')).toBe(1_050);
    expect(lockout.lockedUntil('a')).toBe(1_050);
    t = 1_050;
    expect(lockout.lockedUntil('a')).toBeNull();
    for (const a of ['b', 'c', 'd', 'e']) lockout.recordFailure(a);
    expect(lockout.tracked).toBeLessThanOrEqual(3);
  });

  it('with maxFailures 0 never locks', () => {
    const lockout = new AddressLockout({ now: () => 0 }, { maxFailures: 0, windowMs: 100, lockMs: 50, maxTracked: 3 });
    for (let i = 0; i < 100; i++) expect(lockout.recordFailure('a')).toBeNull();
    expect(lockout.lockedUntil('a')).toBeNull();
  });
});
