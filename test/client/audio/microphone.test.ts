import { describe, expect, it } from 'vitest';
import { microphoneConstraints, openMicrophone, toMicrophoneError } from '../../../client/audio/microphone.ts';

const domError = (name: string) => Object.assign(new Error(name), { name });

describe('toMicrophoneError', () => {
  it('maps NotAllowedError to mic-permission-denied and the rest to mic-unavailable', () => {
    expect(toMicrophoneError(domError('NotAllowedError')).code).toBe('mic-permission-denied');
    expect(toMicrophoneError(domError('NotFoundError')).code).toBe('mic-unavailable');
    expect(toMicrophoneError(domError('NotReadableError')).code).toBe('mic-unavailable');
    expect(toMicrophoneError(domError('OverconstrainedError')).code).toBe('mic-unavailable');
    expect(toMicrophoneError('weird').code).toBe('mic-unavailable');
  });

  it('keeps the browser error as cause', () => {
    const cause = domError('NotAllowedError');
    expect(toMicrophoneError(cause).cause).toBe(cause);
  });
});

describe('openMicrophone', () => {
  it('asks for one processed mono track on the chosen device', async () => {
    let asked: MediaStreamConstraints | undefined;
    const stream = {} as MediaStream;
    await expect(openMicrophone(async (c) => ((asked = c), stream), 'dev-1')).resolves.toBe(stream);
    expect(asked).toEqual(microphoneConstraints('dev-1'));
    expect(asked?.audio).toMatchObject({ echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1, deviceId: { exact: 'dev-1' } });
  });

  it('rejects with a coded AudioEngineError', async () => {
    await expect(openMicrophone(async () => Promise.reject(domError('NotAllowedError')))).rejects.toMatchObject({ code: 'mic-permission-denied' });
    await expect(openMicrophone(undefined)).rejects.toMatchObject({ code: 'mic-unavailable' });
  });
});
