import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { errorText } from '../../../client/ui/error-text.ts';
import { SessionError, sessionErrorFromRelay } from '../../../client/session/errors.ts';

// Unit: the relay's wording is read once, where its Error frame becomes a SessionError; the UI text uses typed fields only.
describe('relay refusals to UI text', () => {
  it('carries the admin reason of a kick as a typed field and shows it', () => {
    const error = sessionErrorFromRelay(ErrorCode.KICKED, 'kicked: spamming the lobby', 0n);
    expect(error.code).toBe('kicked');
    expect(error.reason).toBe('spamming the lobby');
    expect(errorText(error)).toBe('An admin removed you from the relay. Reason: spamming the lobby');
  });

  it('carries the reason and end time of a ban', () => {
    const error = sessionErrorFromRelay(ErrorCode.BANNED, 'banned: rude', 1_900_000_000_000n);
    expect(error.reason).toBe('rude');
    expect(error.untilMs).toBe(1_900_000_000_000);
    expect(errorText(error)).toMatch(/^You are banned from this relay until .+\. Reason: rude$/);
  });

  it('has no reason when the admin gave none, and never reads the message of other codes', () => {
    expect(sessionErrorFromRelay(ErrorCode.KICKED, 'kicked by an admin', 0n).reason).toBeNull();
    expect(sessionErrorFromRelay(ErrorCode.ROOM_FULL, 'kicked: not a kick', 0n).reason).toBeNull();
    // A message that merely looks like the relay's wording changes nothing in the UI.
    expect(errorText(new SessionError('kicked', 'kicked: typed by hand'))).toBe('An admin removed you from the relay.');
  });
});
