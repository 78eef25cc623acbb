import { describe, expect, it } from 'vitest';
import { toDeviceList } from '../../../../client/session/voice/devices.ts';

describe('toDeviceList', () => {
  it('lists real devices by kind, skips the default aliases, and names unlabelled ones', () => {
    const list = toDeviceList(
      [
        { kind: 'audioinput', deviceId: 'default', label: 'Default' },
        { kind: 'audioinput', deviceId: 'm1', label: '' },
        { kind: 'audioinput', deviceId: 'm2', label: 'USB mic' },
        { kind: 'videoinput', deviceId: 'v1', label: 'Cam' },
        { kind: 'audiooutput', deviceId: 'communications', label: 'Comms' },
        { kind: 'audiooutput', deviceId: 's1', label: 'Speakers' },
        { kind: 'audioinput', deviceId: '', label: '' },
      ],
      true,
    );
    expect(list).toEqual({
      inputs: [
        { id: 'm1', label: 'Microphone 1' },
        { id: 'm2', label: 'USB mic' },
      ],
      outputs: [{ id: 's1', label: 'Speakers' }],
      canChooseOutput: true,
    });
  });
});
