import { describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { TurnCredentialsSchema } from '../../../proto/index.ts';
import { filesRtcConfig, RELAY_ONLY_RTC } from '../../../client/session/files-link.ts';

const turn = create(TurnCredentialsSchema, { urls: ['turn:turn.example.org:3478', 'turns:turn.example.org:5349'], username: '1800000600:ab', credential: 'c2lnbmVk', expiresAt: 1_800_000_600 });

const server = { urls: turn.urls, username: '1800000600:ab', credential: 'c2lnbmVk' };
const prefs = (relayOnly: boolean, hideAddress: boolean) => ({ relayOnly, hideAddress });

describe('ICE configuration of file connections', () => {
  it("puts the relay's TURN credentials in iceServers", () => {
    expect(filesRtcConfig(prefs(false, false), turn)).toEqual({ iceServers: [server] });
  });

  it('without credentials leaves the browser default, and "never connect directly" ignores TURN', () => {
    expect(filesRtcConfig(prefs(false, false), undefined)).toBeUndefined();
    expect(filesRtcConfig(prefs(false, false), create(TurnCredentialsSchema, {}))).toBeUndefined();
    expect(filesRtcConfig(prefs(true, false), turn)).toBe(RELAY_ONLY_RTC);
    expect(filesRtcConfig(prefs(true, true), turn)).toBe(RELAY_ONLY_RTC);
  });

  it('"hide my IP address" allows relay candidates only: through TURN when offered, else no direct path at all', () => {
    expect(filesRtcConfig(prefs(false, true), turn)).toEqual({ iceServers: [server], iceTransportPolicy: 'relay' });
    // Without TURN no candidate would hide the address, so nothing connects directly (the relay carries, D112).
    expect(filesRtcConfig(prefs(false, true), undefined)).toBe(RELAY_ONLY_RTC);
    expect(filesRtcConfig(prefs(false, true), create(TurnCredentialsSchema, {}))).toBe(RELAY_ONLY_RTC);
  });
});
