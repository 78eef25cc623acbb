/** Public surface of the UI: the custom elements and their events. */
export { ParleyApp } from './parley-app.ts';
export { ParleyConnectForm } from './parley-connect-form.ts';
export { ParleyDevPanel } from './parley-dev-panel.ts';
export { ParleyRoomList } from './parley-room-list.ts';
export { ParleyVoiceBar } from './parley-voice-bar.ts';
export { ParleyVoiceSettings } from './parley-voice-settings.ts';
export { SessionController } from './session-controller.ts';
export * from './events.ts';
