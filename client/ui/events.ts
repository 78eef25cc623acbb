/** Typed DOM events the UI components fire upward to <parley-app>. */
import type { VoiceCommand } from '../session/index.ts';

/** The user asked to connect with these credentials. */
export class ConnectRequestEvent extends Event {
  static readonly type = 'connect-request';
  constructor(readonly displayName: string, readonly password: string) {
    super(ConnectRequestEvent.type, { bubbles: true, composed: true });
  }
}

/** The user asked to move into a room. */
export class JoinRoomEvent extends Event {
  static readonly type = 'join-room';
  constructor(readonly roomId: string) {
    super(JoinRoomEvent.type, { bubbles: true, composed: true });
  }
}

/** The user toggled mute or deafen. */
export class VoiceToggleEvent extends Event {
  static readonly type = 'voice-toggle';
  constructor(readonly control: 'mute' | 'deafen', readonly on: boolean) {
    super(VoiceToggleEvent.type, { bubbles: true, composed: true });
  }
}

/** A voice setting or control changed (mode, push-to-talk, devices, volumes, mic test, network simulator). */
export class VoiceCommandEvent extends Event {
  static readonly type = 'voice-command';
  constructor(readonly command: VoiceCommand) {
    super(VoiceCommandEvent.type, { bubbles: true, composed: true });
  }
}

/** The user asked to open the voice settings. */
export class OpenVoiceSettingsEvent extends Event {
  static readonly type = 'open-voice-settings';
  constructor() {
    super(OpenVoiceSettingsEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'voice-command': VoiceCommandEvent;
    'open-voice-settings': OpenVoiceSettingsEvent;
    'connect-request': ConnectRequestEvent;
    'join-room': JoinRoomEvent;
    'voice-toggle': VoiceToggleEvent;
  }
}
