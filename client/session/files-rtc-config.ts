/**
 * The ICE configuration of file connections, from the user's file
 * preferences and the relay's latest TURN credentials (D113, D117). Pure.
 */
import type { TurnCredentials } from '../../proto/index.ts';
import type { FilesPrefs } from './files-prefs.ts';

/** ICE settings for "never connect directly": relay candidates only, and with no TURN server there are none, so the relay carries. */
export const RELAY_ONLY_RTC: RTCConfiguration = { iceServers: [], iceTransportPolicy: 'relay' };

/**
 * ICE configuration of file connections: "never connect directly" keeps only
 * the Parley relay carrying (no TURN, decisions D113); "hide my IP address"
 * allows relay candidates only, so every path goes through the
 * organisation's TURN server (D117), and without TURN credentials it keeps
 * the address hidden the only other way, relay-only; otherwise the relay's
 * coturn credentials, when it sent any; undefined: the browser's default.
 */
export function filesRtcConfig(prefs: Pick<FilesPrefs, 'relayOnly' | 'hideAddress'>, turn: TurnCredentials | undefined): RTCConfiguration | undefined {
  if (prefs.relayOnly) return RELAY_ONLY_RTC;
  const offered = turn !== undefined && turn.urls.length > 0;
  if (prefs.hideAddress) return offered ? { iceServers: [turnServer(turn)], iceTransportPolicy: 'relay' } : RELAY_ONLY_RTC;
  return offered ? { iceServers: [turnServer(turn)] } : undefined;
}

function turnServer(turn: TurnCredentials): RTCIceServer {
  return { urls: [...turn.urls], username: turn.username, credential: turn.credential };
}
