/** Public surface of the UI: the custom elements and their events. */
export { ParleyApp } from './parley-app.ts';
export { ParleyConnectForm } from './parley-connect-form.ts';
export { ParleyDevPanel } from './parley-dev-panel.ts';
export { ParleyRoomList } from './parley-room-list.ts';
export { ParleyRoomDialog } from './parley-room-dialog.ts';
export { ParleyRoomHistory } from './parley-room-history.ts';
export { ParleyTreeStatus } from './parley-tree-status.ts';
export { ParleyVoiceBar } from './parley-voice-bar.ts';
export { ParleyVoiceSettings } from './parley-voice-settings.ts';
export { ParleyChatPanel } from './parley-chat-panel.ts';
export { MentionNotifier } from './mention-notifier.ts';
export { linkify } from './linkify.ts';
export type { TextPart } from './linkify.ts';
export { ParleyIdentityPanel } from './parley-identity-panel.ts';
export { ParleyAdminPanel } from './parley-admin-panel.ts';
export { ParleyRelayKeyWarning } from './parley-relay-key-warning.ts';
export { SessionController } from './session-controller.ts';
export * from './events.ts';
