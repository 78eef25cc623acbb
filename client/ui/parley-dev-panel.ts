import { LitElement, css, html } from 'lit';
import type { NetSimConfig } from '../session/index.ts';
import { NET_SIM_OFF } from '../session/index.ts';
import { VoiceCommandEvent } from './events.ts';

/**
 * Developer panel: simulates a bad network on this client's outgoing voice
 * (random loss, added delay and jitter, seeded) and shows the FEC setting
 * the listeners' loss reports produced. Opened with `?dev` in the page URL
 * or Ctrl+Shift+D. The voice benchmark drives the same simulator through
 * `window.parley.session.dispatch({ type: 'set-network-sim', ... })`.
 * @fires voice-command - set-network-sim
 */
export class ParleyDevPanel extends LitElement {
  static override properties = {
    netSim: { attribute: false },
    expectedLossPct: { type: Number, attribute: 'expected-loss-pct' },
  };

  declare netSim: NetSimConfig;
  declare expectedLossPct: number;

  constructor() {
    super();
    this.netSim = NET_SIM_OFF;
    this.expectedLossPct = 0;
  }

  static override styles = css`
    :host { display: block; margin: 1rem 0; padding: 0.75rem 1rem; border: 1px dashed var(--border); border-radius: 10px; background: var(--panel); }
    h2 { margin: 0 0 0.5rem; font-size: 1rem; }
    .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); gap: 0.5rem 1rem; }
    label { display: flex; flex-direction: column; font-size: 0.9rem; gap: 0.2rem; }
    input { font: inherit; padding: 0.4rem; min-height: 36px; box-sizing: border-box; border-radius: 6px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
    input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
    p { margin: 0.5rem 0 0; font-size: 0.85rem; color: var(--muted); }
  `;

  #field(key: keyof NetSimConfig, label: string, max: number) {
    return html`<label>${label}
      <input type="number" name=${key} min="0" max=${max} step="1" .value=${String(this.netSim[key])}
        @change=${(e: Event) => this.dispatchEvent(new VoiceCommandEvent({ type: 'set-network-sim', config: { [key]: Number((e.target as HTMLInputElement).value) } }))} />
    </label>`;
  }

  override render() {
    return html`<section aria-labelledby="dev-title">
      <h2 id="dev-title">Network simulator (outgoing voice)</h2>
      <div class="grid">
        ${this.#field('lossPct', 'Loss (%)', 100)} ${this.#field('delayMs', 'Added delay (ms)', 1000)}
        ${this.#field('jitterMs', 'Jitter ± (ms)', 1000)} ${this.#field('seed', 'Seed', 4294967295)}
      </div>
      <p role="status">FEC sized for ${this.expectedLossPct}% loss (from listeners’ reports).</p>
    </section>`;
  }
}
customElements.define('parley-dev-panel', ParleyDevPanel);

declare global {
  interface HTMLElementTagNameMap {
    'parley-dev-panel': ParleyDevPanel;
  }
}
