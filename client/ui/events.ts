/** Typed DOM events the UI components fire upward to <parley-app>. */
import type { ChatCommand } from '../session/index.ts';

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

/** The user did something in chat (send, edit, delete, open a conversation, load older, discard). */
export class ChatCommandEvent extends Event {
  static readonly type = 'chat-command';
  constructor(readonly command: ChatCommand) {
    super(ChatCommandEvent.type, { bubbles: true, composed: true });
  }
}

declare global {
  interface HTMLElementEventMap {
    'chat-command': ChatCommandEvent;
    'connect-request': ConnectRequestEvent;
    'join-room': JoinRoomEvent;
    'voice-toggle': VoiceToggleEvent;
  }
}
