import { LitElement, css, html } from 'lit';
import type { VoiceStatus } from '../session/index.ts';
import { VoiceToggleEvent } from './events.ts';

/**
 * Bottom bar: voice status, microphone level meter, mute and deafen.
 * Keyboard: M toggles mute, D toggles deafen (when focus is not in a text field).
 * @fires voice-toggle - control 'mute' | 'deafen' and the requested state
 */
export class ParleyVoiceBar extends LitElement {
  static override properties = {
    muted: { type: Boolean },
    deafened: { type: Boolean },
    level: { type: Number },
    transmitting: { type: Boolean },
    voiceStatus: { type: String, attribute: 'voice-status' },
    voiceError: { type: String, attribute: 'voice-error' },
  };

  declare muted: boolean;
  declare deafened: boolean;
  declare level: number;
  declare transmitting: boolean;
  declare voiceStatus: VoiceStatus;
  declare voiceError: string;

  constructor() {
    super();
    this.muted = false;
    this.deafened = false;
    this.level = 0;
    this.transmitting = false;
    this.voiceStatus = 'off';
    this.voiceError = '';
  }

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; padding: 0.75rem 1rem; background: var(--panel); border-top: 1px solid var(--border); }
    .status { min-width: 8rem; font-size: 0.9rem; color: var(--muted); }
    .status.ready { color: var(--talk); }
    .status.failed { color: var(--danger-fg); }
    .voice-error { flex-basis: 100%; order: 5; font-size: 0.85rem; color: var(--danger-fg); }
    .meter { flex: 1 1 8rem; height: 0.5rem; border-radius: 4px; background: var(--hover); overflow: hidden; min-width: 6rem; }
    .meter > div { height: 100%; background: var(--talk); transition: width 60ms linear; }
    .meter.off > div { background: var(--muted); }
    button { font: inherit; font-weight: 600; padding: 0.6rem 1rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    button[aria-pressed='true'] { background: var(--danger-bg); color: var(--danger-fg); border-color: var(--danger-fg); }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `;

  #onKey = (e: KeyboardEvent): void => {
    const t = e.composedPath()[0];
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (e.key === 'm' || e.key === 'M') this.#toggle('mute');
    else if (e.key === 'd' || e.key === 'D') this.#toggle('deafen');
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onKey);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.#onKey);
    super.disconnectedCallback();
  }

  #toggle(control: 'mute' | 'deafen'): void {
    this.dispatchEvent(new VoiceToggleEvent(control, control === 'mute' ? !this.muted : !this.deafened));
  }

  override render() {
    const text: Record<VoiceStatus, string> = { off: 'Voice off', starting: 'Starting voice…', ready: 'Voice connected', failed: 'Voice unavailable' };
    const pct = Math.round(Math.max(0, Math.min(1, this.level)) * 100);
    return html`
      <span class="status ${this.voiceStatus}" role="status">${text[this.voiceStatus]}</span>
      ${this.voiceError ? html`<span class="voice-error" role="alert">${this.voiceError}</span>` : ''}
      <div class="meter ${this.transmitting ? '' : 'off'}" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}>
        <div style="width:${pct}%"></div>
      </div>
      <button aria-pressed=${this.muted ? 'true' : 'false'} aria-keyshortcuts="M" @click=${() => this.#toggle('mute')}>${this.muted ? 'Unmute' : 'Mute'}</button>
      <button aria-pressed=${this.deafened ? 'true' : 'false'} aria-keyshortcuts="D" @click=${() => this.#toggle('deafen')}>${this.deafened ? 'Undeafen' : 'Deafen'}</button>
    `;
  }
}
customElements.define('parley-voice-bar', ParleyVoiceBar);

declare global {
  interface HTMLElementTagNameMap {
    'parley-voice-bar': ParleyVoiceBar;
  }
}
