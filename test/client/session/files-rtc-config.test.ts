import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { TurnCredentialsSchema } from '../../../proto/index.ts';
import { filesRtcConfig, RELAY_ONLY_RTC } from '../../../client/session/files-link.ts';

const turn = create(TurnCredentialsSchema, { urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'], username: '1800000600:ab', credential: 'c2lnbmVk', expiresAt: 1_800_000_600 });

describe('ICE configuration of file connections', () => {
  it("puts the relay's TURN credentials in iceServers", () => {
    expect(filesRtcConfig(false, turn)).toEqual({ iceServers: [{ urls: turn.urls, username: '1800000600:ab', credential: 'c2lnbmVk' }] });
  });

  it('without credentials leaves the browser default, and "never connect directly" ignores TURN', () => {
    expect(filesRtcConfig(false, undefined)).toBeUndefined();
    expect(filesRtcConfig(false, create(TurnCredentialsSchema, {}))).toBeUndefined();
    expect(filesRtcConfig(true, turn)).toBe(RELAY_ONLY_RTC);
  });
});
