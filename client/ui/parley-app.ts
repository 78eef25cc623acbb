import { LitElement, css, html } from 'lit';
import { errorText } from '../session/index.ts';
import type { Session } from '../session/index.ts';
import { SessionController } from './session-controller.ts';
import type { ConnectRequestEvent, JoinRoomEvent, VoiceCommandEvent, VoiceToggleEvent } from './events.ts';
import './parley-connect-form.ts';
import './parley-dev-panel.ts';
import './parley-room-list.ts';
import './parley-voice-bar.ts';
import './parley-voice-settings.ts';

/**
 * Root component: renders the sign-in form or the room view from the
 * session's state, and turns UI events into session commands. The
 * developer panel shows with `?dev` in the URL or after Ctrl+Shift+D.
 */
export class ParleyApp extends LitElement {
  static override properties = {
    session: { attribute: false },
    devPanel: { type: Boolean, attribute: 'dev-panel' },
  };

  declare session: Session | null;
  declare devPanel: boolean;
  readonly #ctl = new SessionController(this);

  constructor() {
    super();
    this.session = null;
    this.devPanel = typeof location !== 'undefined' && new URLSearchParams(location.search).has('dev');
  }

  #onDevKey = (e: KeyboardEvent): void => {
    if (e.ctrlKey && e.shiftKey && (e.key === 'D' || e.key === 'd')) {
      e.preventDefault();
      this.devPanel = !this.devPanel;
    }
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onDevKey);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.#onDevKey);
    super.disconnectedCallback();
  }

  static override styles = css`
    :host { display: flex; flex-direction: column; min-height: 100vh; min-height: 100dvh; }
    header { display: flex; align-items: center; gap: 0.75rem; padding: 0.75rem 1rem; border-bottom: 1px solid var(--border); }
    header h1 { margin: 0; font-size: 1.1rem; }
    .conn { font-size: 0.85rem; color: var(--muted); }
    .conn.reconnecting { color: var(--danger-fg); }
    header button { margin-left: auto; font: inherit; padding: 0.4rem 0.8rem; min-height: 40px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    main { flex: 1; padding: 1rem; max-width: 40rem; width: 100%; box-sizing: border-box; margin: 0 auto; }
    .banner { margin: 0 0 1rem; padding: 0.6rem 0.9rem; border-radius: 8px; background: var(--danger-bg); color: var(--danger-fg); display: flex; gap: 0.5rem; align-items: center; }
    .banner button { margin-left: auto; font: inherit; background: none; border: 0; color: inherit; cursor: pointer; text-decoration: underline; }
    parley-voice-bar { position: sticky; bottom: 0; }
  `;

  override willUpdate(): void {
    this.#ctl.session = this.session;
  }

  #onConnect = (e: ConnectRequestEvent): void => {
    this.session?.dispatch({ type: 'connect', displayName: e.displayName, password: e.password });
  };

  #onJoin = (e: JoinRoomEvent): void => {
    this.session?.dispatch({ type: 'join-room', roomId: e.roomId });
  };

  #onVoice = (e: VoiceToggleEvent): void => {
    this.session?.dispatch(e.control === 'mute' ? { type: 'set-muted', muted: e.on } : { type: 'set-deafened', deafened: e.on });
  };

  #onVoiceCommand = (e: VoiceCommandEvent): void => {
    this.session?.dispatch(e.command);
  };

  #openSettings = (): void => {
    this.session?.dispatch({ type: 'refresh-devices' });
    this.renderRoot.querySelector('parley-voice-settings')?.show();
  };

  override render() {
    const s = this.#ctl.state;
    if (!s) return html`<p role="status">Loading…</p>`;
    const status = s.connection.status;
    if (status === 'idle' || status === 'connecting' || status === 'authenticating' || (status === 'failed' && s.selfSessionId === null)) {
      return html`<parley-connect-form
        .busy=${status === 'connecting' || status === 'authenticating'}
        .error=${s.connection.error ? errorText(s.connection.error) : ''}
        .fingerprint=${s.identity?.fingerprint ?? ''}
        .serverName=${s.serverName}
        @connect-request=${this.#onConnect}
      ></parley-connect-form>`;
    }
    const statusText = status === 'connected' ? 'Connected' : status === 'reconnecting' ? 'Relay unreachable — reconnecting…' : errorText(s.connection.error ?? { code: 'connection-lost', untilMs: null });
    return html`
      <header>
        <h1>${s.serverName || 'Parley'}</h1>
        <span class="conn ${status}" role="status" aria-live="polite">${statusText}</span>
        <button @click=${() => this.session?.dispatch({ type: 'disconnect' })}>Disconnect</button>
      </header>
      <main>
        ${s.notice
          ? html`<div class="banner" role="alert">${errorText(s.notice)}<button @click=${() => this.session?.dispatch({ type: 'dismiss-notice' })}>Dismiss</button></div>`
          : ''}
        ${this.devPanel
          ? html`<parley-dev-panel .netSim=${s.netSim} .expectedLossPct=${s.expectedLossPct} @voice-command=${this.#onVoiceCommand}></parley-dev-panel>`
          : ''}
        <parley-room-list
          .rooms=${s.rooms}
          .users=${s.users}
          .talking=${s.talking}
          .currentRoomId=${s.roomId ?? ''}
          .selfSessionId=${s.selfSessionId ?? -1}
          .userVolumes=${s.voiceSettings.userVolumes}
          @join-room=${this.#onJoin}
          @voice-command=${this.#onVoiceCommand}
        ></parley-room-list>
      </main>
      <parley-voice-bar
        .muted=${s.muted}
        .deafened=${s.deafened}
        .level=${s.inputLevel}
        .transmitting=${s.transmitting}
        .voiceStatus=${s.voice.status}
        .voiceError=${s.voice.error ? errorText(s.voice.error) : ''}
        .transmitMode=${s.voiceSettings.transmitMode}
        .pttKey=${s.voiceSettings.pttKey}
        .pttDown=${s.pttDown}
        @voice-toggle=${this.#onVoice}
        @voice-command=${this.#onVoiceCommand}
        @open-voice-settings=${this.#openSettings}
      ></parley-voice-bar>
      <parley-voice-settings
        .settings=${s.voiceSettings}
        .devices=${s.devices}
        .level=${s.inputLevel}
        .transmitting=${s.transmitting}
        .micTest=${s.micTest}
        @voice-command=${this.#onVoiceCommand}
      ></parley-voice-settings>
    `;
  }
}
customElements.define('parley-app', ParleyApp);

declare global {
  interface HTMLElementTagNameMap {
    'parley-app': ParleyApp;
  }
}
