/**
 * The audio engine's side of a session: captured datagrams go to the voice
 * transport, and the engine's level, talking and error events are folded into
 * the session's state through the session's single update point. Kept apart
 * so the session itself stays a switchboard of small wires.
 */
import type { AudioEngine } from '../audio/types.ts';
import { SessionError } from './errors.ts';
import type { State } from './state.ts';

/** What the link needs from its session. */
export interface AudioLinkDeps {
  /** Current session state. */
  readonly state: () => State;
  /** The session's single state-change point. */
  readonly update: (next: State) => void;
  /** Sends one uplink datagram (dropped while voice is not up). */
  readonly sendDatagram: (bytes: Uint8Array) => void;
}

/** Input level above which the local user counts as talking (while transmitting). */
const SELF_TALKING_LEVEL = 0.25;

/**
 * Subscribes to `audio`, applies the current mute and deafen, and starts it.
 * Returns the unsubscribe function; closing the engine stays the caller's.
 */
export function linkAudio(audio: AudioEngine, deps: AudioLinkDeps): () => void {
  const { state, update } = deps;
  let remoteTalking = new Set<number>();
  const failed = (e: unknown, message: string): void =>
    update({ ...state(), voice: { status: 'failed', error: new SessionError('voice-failed', message, { cause: e }) } });
  const unsubs = [
    audio.on('datagram', (bytes) => deps.sendDatagram(bytes)),
    audio.on('inputLevel', (level, transmitting) => {
      const s = state();
      const talking = new Set(remoteTalking);
      if (s.selfSessionId !== null && transmitting && level > SELF_TALKING_LEVEL) talking.add(s.selfSessionId);
      update({ ...s, inputLevel: level, transmitting, talking });
    }),
    audio.on('talking', (map) => {
      remoteTalking = new Set([...map].filter(([, on]) => on).map(([id]) => id));
      const s = state();
      const talking = new Set(remoteTalking);
      if (s.selfSessionId !== null && s.talking.has(s.selfSessionId)) talking.add(s.selfSessionId);
      update({ ...s, talking });
    }),
    audio.on('error', (e) => {
      // A missing or refused microphone leaves playback running: listen-only, not failed.
      if (e.code === 'mic-permission-denied' || e.code === 'mic-unavailable') {
        const s = state();
        update({ ...s, voice: { status: s.voice.status, error: new SessionError(e.code, e.message, { cause: e }) } });
        return;
      }
      failed(e, e.message);
    }),
  ];
  const s = state();
  audio.setTransmitting(!s.muted);
  audio.setDeafened(s.deafened);
  audio.start().catch((e: unknown) => failed(e, String(e)));
  return () => {
    for (const u of unsubs) u();
  };
}
