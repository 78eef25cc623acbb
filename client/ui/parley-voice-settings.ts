import { LitElement, css, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import type { DeviceList, SelectableTransmitMode, VoiceCommand, VoiceSettings } from '../session/index.ts';
import { DEFAULT_VOICE_SETTINGS } from '../session/index.ts';
import { VoiceCommandEvent } from './events.ts';
import { keyName } from './key-names.ts';

/** Bottom of the level meter, dBFS (the engine's meter maps -60..0 dBFS onto 0..1). */
const METER_FLOOR_DB = -60;

const MODES: ReadonlyArray<{ mode: SelectableTransmitMode; label: string; hint: string }> = [
  { mode: 'voice-activation', label: 'Voice activation', hint: 'Sends while you speak louder than the threshold.' },
  { mode: 'push-to-talk', label: 'Push to talk', hint: 'Sends while you hold the key or the on-screen button.' },
  { mode: 'continuous', label: 'Continuous', hint: 'Always sends (silence costs almost nothing).' },
];

/**
 * The voice settings dialog: transmission mode, push-to-talk key, voice
 * activation threshold (against a live input meter) and hang time, input
 * and output device, input gain, output volume, and a microphone test.
 * A native modal <dialog>: focus moves in on open, Escape closes, focus
 * returns to the opener on close.
 * @fires voice-command - one VoiceCommand per change
 */
export class ParleyVoiceSettings extends LitElement {
  static override properties = {
    settings: { attribute: false },
    devices: { attribute: false },
    level: { type: Number },
    transmitting: { type: Boolean },
    micTest: { type: Boolean, attribute: 'mic-test' },
    capturingKey: { state: true },
  };

  declare settings: VoiceSettings;
  declare devices: DeviceList;
  declare level: number;
  declare transmitting: boolean;
  declare micTest: boolean;
  declare capturingKey: boolean;

  constructor() {
    super();
    this.settings = DEFAULT_VOICE_SETTINGS;
    this.devices = { inputs: [], outputs: [], canChooseOutput: false };
    this.level = 0;
    this.transmitting = false;
    this.micTest = false;
    this.capturingKey = false;
  }

  static override styles = css`
    dialog { width: min(32rem, 100vw - 1rem); max-height: calc(100dvh - 1rem); box-sizing: border-box; padding: 0; border: 1px solid var(--border); border-radius: 12px; background: var(--panel); color: var(--fg); }
    dialog::backdrop { background: rgb(0 0 0 / 45%); }
    form { padding: 1rem 1.25rem 1.25rem; }
    header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
    h2 { margin: 0; font-size: 1.2rem; }
    fieldset { border: 1px solid var(--border); border-radius: 10px; margin: 1rem 0 0; padding: 0.6rem 0.9rem 0.9rem; }
    legend { font-weight: 600; padding: 0 0.3rem; }
    label { display: block; margin-top: 0.6rem; }
    .radio { display: flex; gap: 0.5rem; align-items: flex-start; margin-top: 0.4rem; }
    .radio input { margin-top: 0.3rem; }
    .hint { display: block; font-size: 0.85rem; color: var(--muted); }
    input[type='range'], select { width: 100%; box-sizing: border-box; min-height: 36px; }
    select { font: inherit; padding: 0.4rem; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
    button { font: inherit; font-weight: 600; padding: 0.5rem 0.9rem; min-height: 44px; border-radius: 8px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); cursor: pointer; }
    button[aria-pressed='true'] { background: var(--accent); border-color: var(--accent); color: white; }
    button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    .meter { position: relative; height: 0.8rem; margin-top: 0.5rem; border-radius: 4px; background: var(--hover); overflow: hidden; }
    .meter .fill { height: 100%; background: var(--muted); }
    .meter.open .fill { background: var(--talk); }
    .meter .threshold { position: absolute; top: 0; bottom: 0; width: 2px; background: var(--fg); }
    .row { display: flex; align-items: center; gap: 0.75rem; flex-wrap: wrap; margin-top: 0.6rem; }
    kbd { font: inherit; font-weight: 600; padding: 0.15rem 0.5rem; border: 1px solid var(--border); border-radius: 6px; background: var(--bg); }
    @media (max-width: 480px) { dialog { width: 100vw; max-width: 100vw; height: 100dvh; max-height: 100dvh; border-radius: 0; margin: 0; } }
  `;

  /** Opens the dialog modally; focus goes to its first control. */
  show(): void {
    const dialog = this.renderRoot.querySelector('dialog');
    if (dialog && !dialog.open) dialog.showModal();
  }

  /** Closes the dialog (stops a running mic test). */
  close(): void {
    this.renderRoot.querySelector('dialog')?.close();
  }

  /** Whether the dialog is open. */
  get isOpen(): boolean {
    return this.renderRoot.querySelector('dialog')?.open ?? false;
  }

  override disconnectedCallback(): void {
    window.removeEventListener('keydown', this.#onCaptureKey, true);
    super.disconnectedCallback();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('capturingKey')) {
      if (this.capturingKey) window.addEventListener('keydown', this.#onCaptureKey, true);
      else window.removeEventListener('keydown', this.#onCaptureKey, true);
    }
  }

  #send(command: VoiceCommand): void {
    this.dispatchEvent(new VoiceCommandEvent(command));
  }

  #onCaptureKey = (e: KeyboardEvent): void => {
    e.preventDefault();
    e.stopPropagation();
    if (e.code !== 'Escape') this.#send({ type: 'set-ptt-key', code: e.code });
    this.capturingKey = false;
  };

  #onClose = (): void => {
    this.capturingKey = false;
    if (this.micTest) this.#send({ type: 'set-mic-test', on: false });
  };

  #num = (e: Event): number => Number((e.target as HTMLInputElement).value);

  override render() {
    const s = this.settings;
    const levelPct = Math.round(Math.max(0, Math.min(1, this.level)) * 100);
    const thresholdPct = Math.round(((s.vadThresholdDb - METER_FLOOR_DB) / -METER_FLOOR_DB) * 100);
    return html`<dialog aria-labelledby="title" @close=${this.#onClose}>
      <form method="dialog">
        <header>
          <h2 id="title">Voice settings</h2>
          <button value="close" aria-label="Close voice settings">Close</button>
        </header>

        <fieldset>
          <legend>Transmission</legend>
          ${MODES.map(
            (m) => html`<label class="radio">
              <input type="radio" name="mode" value=${m.mode} .checked=${s.transmitMode === m.mode}
                @change=${() => this.#send({ type: 'set-transmit-mode', mode: m.mode })} />
              <span>${m.label}<span class="hint">${m.hint}</span></span>
            </label>`,
          )}
          ${s.transmitMode === 'push-to-talk'
            ? html`<div class="row">
                <span id="ptt-label">Push-to-talk key:</span> <kbd aria-labelledby="ptt-label">${keyName(s.pttKey)}</kbd>
                <button type="button" class="change-key" aria-pressed=${this.capturingKey ? 'true' : 'false'} @click=${() => (this.capturingKey = !this.capturingKey)}>
                  ${this.capturingKey ? 'Press a key… (Esc cancels)' : 'Change key'}
                </button>
              </div>
              <span class="hint">Works while this page has focus. On a touch screen, hold the big Talk button.</span>`
            : nothing}
          ${s.transmitMode === 'voice-activation'
            ? html`<label for="threshold">Activation threshold: ${s.vadThresholdDb} dB</label>
                <input id="threshold" type="range" min=${METER_FLOOR_DB} max="0" step="1" .value=${String(s.vadThresholdDb)}
                  aria-valuetext=${`${s.vadThresholdDb} decibels`}
                  @input=${(e: Event) => this.#send({ type: 'set-voice-activation', thresholdDb: this.#num(e) })} />
                <div class="meter ${this.transmitting ? 'open' : ''}" role="meter" aria-label="Input level against the threshold"
                  aria-valuemin="0" aria-valuemax="100" aria-valuenow=${levelPct}>
                  <div class="fill" style="width:${levelPct}%"></div>
                  <div class="threshold" style="left:${thresholdPct}%"></div>
                </div>
                <span class="hint">Green while you would be sending. Speak normally and set the line just below your voice.</span>
                <label for="hang">Hang time: ${s.vadHangMs} ms</label>
                <input id="hang" type="range" min="0" max="2000" step="50" .value=${String(s.vadHangMs)} aria-valuetext=${`${s.vadHangMs} milliseconds`}
                  @input=${(e: Event) => this.#send({ type: 'set-voice-activation', hangMs: this.#num(e) })} />`
            : nothing}
        </fieldset>

        <fieldset>
          <legend>Devices</legend>
          <label for="input-device">Microphone</label>
          <select id="input-device" @change=${(e: Event) => this.#send({ type: 'set-input-device', deviceId: (e.target as HTMLSelectElement).value || null })}>
            <option value="" ?selected=${s.inputDeviceId === null}>System default</option>
            ${this.devices.inputs.map((d) => html`<option value=${d.id} ?selected=${s.inputDeviceId === d.id}>${d.label}</option>`)}
          </select>
          <label for="output-device">Speaker</label>
          ${this.devices.canChooseOutput
            ? html`<select id="output-device" @change=${(e: Event) => this.#send({ type: 'set-output-device', deviceId: (e.target as HTMLSelectElement).value || null })}>
                <option value="" ?selected=${s.outputDeviceId === null}>System default</option>
                ${this.devices.outputs.map((d) => html`<option value=${d.id} ?selected=${s.outputDeviceId === d.id}>${d.label}</option>`)}
              </select>`
            : html`<p class="hint" id="output-device">This browser does not let web pages choose the speaker; Parley plays through the system’s default output. Change it in your system’s sound settings.</p>`}
          <label for="input-gain">Microphone volume: ${Math.round(s.inputGain * 100)}%</label>
          <input id="input-gain" type="range" min="0" max="200" step="5" .value=${String(Math.round(s.inputGain * 100))}
            @input=${(e: Event) => this.#send({ type: 'set-input-gain', gain: this.#num(e) / 100 })} />
          <label for="output-volume">Playback volume: ${Math.round(s.outputVolume * 100)}%</label>
          <input id="output-volume" type="range" min="0" max="200" step="5" .value=${String(Math.round(s.outputVolume * 100))}
            @input=${(e: Event) => this.#send({ type: 'set-output-volume', volume: this.#num(e) / 100 })} />
        </fieldset>

        <fieldset>
          <legend>Microphone test</legend>
          <div class="row">
            <button type="button" class="mic-test" aria-pressed=${this.micTest ? 'true' : 'false'} @click=${() => this.#send({ type: 'set-mic-test', on: !this.micTest })}>
              ${this.micTest ? 'Stop test' : 'Test microphone'}
            </button>
          </div>
          <span class="hint">You hear yourself as others would (after voice activation, gain and encoding), about a tenth of a second late. Nothing is sent while testing.</span>
        </fieldset>
      </form>
    </dialog>`;
  }
}
customElements.define('parley-voice-settings', ParleyVoiceSettings);

declare global {
  interface HTMLElementTagNameMap {
    'parley-voice-settings': ParleyVoiceSettings;
  }
}
