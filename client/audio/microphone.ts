/**
 * Opening the microphone with voice-chat constraints, and mapping the
 * browser's DOMException names onto AudioEngineError codes the UI can word.
 */
import { AudioEngineError } from './types.ts';

/** `navigator.mediaDevices.getUserMedia`, injectable for tests. */
export type GetUserMedia = (constraints: MediaStreamConstraints) => Promise<MediaStream>;

/**
 * Constraints for one mono voice track. The browser's echo canceller,
 * noise suppressor and AGC are on: Parley has no DSP of its own and plays
 * other people's voices through the same speakers. A chosen device is
 * `exact`, so a vanished device is reported rather than silently swapped.
 */
export function microphoneConstraints(deviceId?: string): MediaStreamConstraints {
  const audio: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
    channelCount: 1,
  };
  if (deviceId) audio.deviceId = { exact: deviceId };
  return { audio, video: false };
}

/** Maps a getUserMedia failure to `mic-permission-denied` or `mic-unavailable`. */
export function toMicrophoneError(error: unknown): AudioEngineError {
  const name = error instanceof Error || (typeof error === 'object' && error !== null && 'name' in error)
    ? String((error as { name: unknown }).name)
    : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') {
    return new AudioEngineError('mic-permission-denied', `microphone permission denied [name:${name}]`, { cause: error });
  }
  return new AudioEngineError('mic-unavailable', `microphone unavailable [name:${name || 'unknown'}]`, { cause: error });
}

/** Opens the microphone; rejects with an AudioEngineError. */
export async function openMicrophone(getUserMedia: GetUserMedia | undefined, deviceId?: string): Promise<MediaStream> {
  if (!getUserMedia) {
    throw new AudioEngineError('mic-unavailable', 'microphone unavailable [reason:no mediaDevices, insecure context?]');
  }
  try {
    return await getUserMedia(microphoneConstraints(deviceId));
  } catch (error) {
    throw toMicrophoneError(error);
  }
}
