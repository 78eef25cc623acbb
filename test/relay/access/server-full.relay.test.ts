/**
 * `limits.maxSessions` against a real relay: past it a sign-in is refused
 * SERVER_FULL with the socket closed, the people already in are untouched,
 * an admin still gets in, the refusal is not charged to the address's
 * lock-out, and a seat that frees up is taken by the next sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, Role } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import type { TestClient } from '../../helpers/relay-client.ts';
import { connectRefused } from '../../helpers/relay-fixture.ts';
import { startRelay, waitForEvent } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

let started: StartedRelay;
let admin: TestClient;
let guest: TestClient;
const adminKey = generateKey();

beforeAll(async () => {
  // Two seats; one lock-out attempt, so a refusal counted as a failed sign-in would lock the address at once.
  started = await startRelay({ guests: 'allow', limits: { maxSessions: 2 }, lockout: { maxFailures: 1, windowMs: 60_000, lockMs: 60_000 } });
  admin = await connectClient(started.relay.wsUrl, { name: 'Admin', key: adminKey, invite: started.relay.bootstrapInvite! });
  guest = await connectClient(started.relay.wsUrl, { name: 'Guest one', key: generateKey() });
});

afterAll(async () => {
  await Promise.all([admin?.close(), guest?.close()]);
  await started?.cleanup();
});

describe('a full relay', () => {
  it('refuses another sign-in with SERVER_FULL and leaves the people inside served', async () => {
    const refusal = await connectRefused(started.relay.wsUrl, { name: 'Guest two', key: generateKey() });
    expect(refusal.code).toBe(ErrorCode.SERVER_FULL);
    await Promise.all([admin.ping(), guest.ping()]);
  });

  it('does not charge the refusal to the lock-out: the next sign-in from the same address is judged on its own', async () => {
    const again = await connectRefused(started.relay.wsUrl, { name: 'Guest three', key: generateKey() });
    expect(again.code).toBe(ErrorCode.SERVER_FULL);
  });

  it('still lets an admin in', async () => {
    const second = await connectClient(started.relay.wsUrl, { name: 'Admin again', key: adminKey });
    expect(second.authOk.role).toBe(Role.ADMIN);
    await second.close();
  });

  it('gives a freed seat to the next sign-in', async () => {
    const left = waitForEvent(started.relay, 'connection-closed', (e) => e.sessionId === guest.sessionId);
    await guest.close();
    await left;
    guest = await connectClient(started.relay.wsUrl, { name: 'Guest four', key: generateKey() });
    expect(guest.authOk.role).toBe(Role.GUEST);
  });
});
