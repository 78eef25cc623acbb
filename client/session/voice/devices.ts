/**
 * Audio device lists, from `navigator.mediaDevices.enumerateDevices()`.
 * Browsers hide labels (and sometimes ids) until the page has microphone
 * permission, so unnamed devices get numbered names and the list is read
 * again once the microphone is open.
 */
import type { DeviceList, DeviceView } from '../state.ts';

/** The part of MediaDeviceInfo we read. */
export interface DeviceInfoLike {
  readonly kind: string;
  readonly deviceId: string;
  readonly label: string;
}

/** Where device lists come from; injectable for tests. */
export interface DeviceSource {
  list(): Promise<readonly DeviceInfoLike[]>;
  /** Calls `listener` when devices are plugged in or out; returns the unsubscribe function. */
  onChange(listener: () => void): () => void;
}

/** The browser's device source, or null without `navigator.mediaDevices`. */
export function browserDeviceSource(): DeviceSource | null {
  const md = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
  if (!md?.enumerateDevices) return null;
  return {
    list: () => md.enumerateDevices(),
    onChange(listener) {
      md.addEventListener('devicechange', listener);
      return () => md.removeEventListener('devicechange', listener);
    },
  };
}

function views(infos: readonly DeviceInfoLike[], kind: string, noun: string): DeviceView[] {
  const out: DeviceView[] = [];
  for (const d of infos) {
    // "default" and "communications" are aliases the null choice already covers.
    if (d.kind !== kind || !d.deviceId || d.deviceId === 'default' || d.deviceId === 'communications') continue;
    out.push({ id: d.deviceId, label: d.label || `${noun} ${out.length + 1}` });
  }
  return out;
}

/** Builds the panel's device lists from enumerateDevices() output. */
export function toDeviceList(infos: readonly DeviceInfoLike[], canChooseOutput: boolean): DeviceList {
  return { inputs: views(infos, 'audioinput', 'Microphone'), outputs: views(infos, 'audiooutput', 'Speaker'), canChooseOutput };
}
