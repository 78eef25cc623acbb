import { LitElement, css, html, nothing } from 'lit';
import type { SelectableTransmitMode, VoiceStatus } from '../session/index.ts';
import { OpenVoiceSettingsEvent, VoiceCommandEvent, VoiceToggleEvent } from './events.ts';
import { keyName } from './key-names.ts';

const MODE_TEXT: Record<SelectableTransmitMode, string> = {
  'voice-activation': 'Voice activation',
  'push-to-talk': 'Push to talk',
  continuous: 'Continuous',
};

/**
 * Bottom bar: voice status, transmission mode, microphone level, mute,
 * deafen, voice settings, and in push-to-talk mode a hold-to-talk button
 * (large on touch screens).
 *
 * Keyboard: M toggles mute, D toggles deafen (not while typing in a
 * field); the push-to-talk key (a `KeyboardEvent.code`) talks while held
 * and the page has focus. Losing focus releases push-to-talk, so a key
 * released in another window cannot leave the microphone on.
 * @fires voice-toggle - control 'mute' | 'deafen' and the requested state
 * @fires voice-command - push-to-talk pressed or released
 * @fires open-voice-settings - the Settings button was pressed
 */
export class ParleyVoiceBar extends LitElement {
  static override properties = {
    muted: { type: Boolean },
    deafened: { type: Boolean },
    level: { type: Number },
    transmitting: { type: Boolean },
    voiceStatus: { type: String, attribute: 'voice-status' },
    voiceError: { type: String, attribute: 'voice-error' },
    transmitMode: { type: String, attribute: 'transmit-mode' },
    pttKey: { type: String, attribute: 'ptt-key' },
    pttDown: { type: Boolean, attribute: 'ptt-down' },
  };

  declare muted: boolean;
  declare deafened: boolean;
  declare level: number;
  declare transmitting: boolean;
  declare voiceStatus: VoiceStatus;
  declare voiceError: string;
  declare transmitMode: SelectableTransmitMode;
  declare pttKey: string;
  declare pttDown: boolean;

  constructor() {
    super();
    this.muted = false;
    this.deafened = false;
    this.level = 0;
    this.transmitting = false;
    this.voiceStatus = 'off';
    this.voiceError = '';
    this.transmitMode = 'voice-activation';
    this.pttKey = 'KeyV';
    this.pttDown = false;
  }

  static override styles = css`
    :host { display: flex; flex-wrap: wrap; align-items: center; gap: 0.75rem; padding: 0.75rem 1rem; background: var(--panel); border-top: 1px solid var(--border); }
    .status { min-width: 8rem; font-size: 0.9rem; color: var(--muted); }
    .status.ready { color: var(--talk); }
    .status.failed { color: var(--danger-fg); }
    .mode { font-size: 0.85rem; color: var(--muted); }
    .voice-error { flex-basis: 100%; order: 5; font-size: 0.85rem; color: var(--danger-fg); }
    .meter { flex: 1 1 8rem; height: 0.5rem; border-radius: 4px; background: var(--hover); overflow: hidden; min-width: 6rem; }
    .meter > div { height: 100%; background: var(--talk); transition: width 60ms linear; }
    .meter.off > div { background: var(--muted); }
    button { font: inherit; font-weight: 600; padding: 0.6rem 1rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    button[aria-pressed='true'] { background: var(--danger-bg); color: var(--danger-fg); border-color: var(--danger-fg); }
    button.talk { touch-action: none; user-select: none; -webkit-user-select: none; }
    button.talk[aria-pressed='true'] { background: var(--talk); color: white; border-color: var(--talk); }
    button:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    @media (pointer: coarse) {
      button.talk { order: -1; flex-basis: 100%; min-height: 4.5rem; font-size: 1.2rem; border-radius: 14px; }
    }
  `;

  #isTyping(e: KeyboardEvent): boolean {
    const t = e.composedPath()[0];
    return t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || (t instanceof HTMLElement && t.isContentEditable);
  }

  #onKeyDown = (e: KeyboardEvent): void => {
    if (this.#isTyping(e)) return;
    if (this.transmitMode === 'push-to-talk' && e.code === this.pttKey) {
      e.preventDefault();
      if (!e.repeat && !this.pttDown) this.#ptt(true);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    if (e.key === 'm' || e.key === 'M') this.#toggle('mute');
    else if (e.key === 'd' || e.key === 'D') this.#toggle('deafen');
  };

  #onKeyUp = (e: KeyboardEvent): void => {
    if (e.code === this.pttKey && this.pttDown) this.#ptt(false);
  };

  #onBlur = (): void => {
    if (this.pttDown) this.#ptt(false);
  };

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('keydown', this.#onKeyDown);
    window.addEventListener('keyup', this.#onKeyUp);
    window.addEventListener('blur', this.#onBlur);
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.#onKeyDown);
    window.removeEventListener('keyup', this.#onKeyUp);
    window.removeEventListener('blur', this.#onBlur);
    super.disconnectedCallback();
  }

  #toggle(control: 'mute' | 'deafen'): void {
    this.dispatchEvent(new VoiceToggleEvent(control, control === 'mute' ? !this.muted : !this.deafened));
  }

  #ptt(down: boolean): void {
    this.dispatchEvent(new VoiceCommandEvent({ type: 'push-to-talk', down }));
  }

  #onTalkPointer = (down: boolean) => (e: PointerEvent): void => {
    e.preventDefault();
    if (down) (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    if (down !== this.pttDown) this.#ptt(down);
  };

  #onTalkKey = (down: boolean) => (e: KeyboardEvent): void => {
    // Space or Enter held on the focused button talks, like the key.
    if (e.key !== ' ' && e.key !== 'Enter') return;
    e.preventDefault();
    if (down && e.repeat) return;
    if (down !== this.pttDown) this.#ptt(down);
  };

  override render() {
    const text: Record<VoiceStatus, string> = { off: 'Voice off', starting: 'Starting voice…', ready: 'Voice connected', failed: 'Voice unavailable' };
    const pct = Math.round(Math.max(0, Math.min(1, this.level)) * 100);
    const ptt = this.transmitMode === 'push-to-talk';
    return html`
      <span class="status ${this.voiceStatus}" role="status">${text[this.voiceStatus]}</span>
      <span class="mode">${MODE_TEXT[this.transmitMode]}${ptt ? html` (hold ${keyName(this.pttKey)})` : nothing}</span>
      ${this.voiceError ? html`<span class="voice-error" role="alert">${this.voiceError}</span>` : ''}
      <div class="meter ${this.transmitting ? '' : 'off'}" role="meter" aria-label="Microphone level" aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct}>
        <div style="width:${pct}%"></div>
      </div>
      ${ptt
        ? html`<button class="talk" aria-pressed=${this.pttDown ? 'true' : 'false'} aria-label="Hold to talk"
            @pointerdown=${this.#onTalkPointer(true)} @pointerup=${this.#onTalkPointer(false)} @pointercancel=${this.#onTalkPointer(false)}
            @keydown=${this.#onTalkKey(true)} @keyup=${this.#onTalkKey(false)} @contextmenu=${(e: Event) => e.preventDefault()}>
            ${this.pttDown ? 'Talking…' : 'Hold to talk'}
          </button>`
        : nothing}
      <button aria-pressed=${this.muted ? 'true' : 'false'} aria-keyshortcuts="M" @click=${() => this.#toggle('mute')}>${this.muted ? 'Unmute' : 'Mute'}</button>
      <button aria-pressed=${this.deafened ? 'true' : 'false'} aria-keyshortcuts="D" @click=${() => this.#toggle('deafen')}>${this.deafened ? 'Undeafen' : 'Deafen'}</button>
      <button class="settings" aria-haspopup="dialog" @click=${() => this.dispatchEvent(new OpenVoiceSettingsEvent())}>Settings</button>
    `;
  }
}
customElements.define('parley-voice-bar', ParleyVoiceBar);

declare global {
  interface HTMLElementTagNameMap {
    'parley-voice-bar': ParleyVoiceBar;
  }
}
