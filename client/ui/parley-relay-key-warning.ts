import { LitElement, css, html } from 'lit';
import type { RelayKeyChange } from '../session/index.ts';
import { RelayKeyDecisionEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

/**
 * Full-screen warning when the relay presents a different identity key than
 * the one remembered for its address (or than the one its invite names).
 * Nothing was signed or sent; connecting needs an explicit choice.
 * @fires relay-key-decision - accept true (trust the new key) or false
 */
export class ParleyRelayKeyWarning extends LitElement {
  static override properties = {
    change: { attribute: false },
  };

  declare change: RelayKeyChange | null;

  constructor() {
    super();
    this.change = null;
  }

  static override styles = [
    panelStyles,
    css`
      :host { max-width: 34rem; margin: 8vh auto; border: 2px solid var(--danger-fg); }
      h2 { color: var(--danger-fg); }
      dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 0.8rem; }
      dt { font-weight: 600; }
    `,
  ];

  override firstUpdated(): void {
    // Focus the safe choice so Enter never accepts by accident.
    this.renderRoot.querySelector<HTMLButtonElement>('#keep')?.focus();
  }

  override render() {
    const c = this.change;
    if (!c) return html``;
    return html`<section role="alertdialog" aria-labelledby="warn-title" aria-describedby="warn-text">
      <h2 id="warn-title">This relay’s identity changed</h2>
      <p id="warn-text">
        ${c.source === 'invite'
          ? 'The relay answering at this address is not the one your invite link was made for.'
          : 'The relay at this address presented a different identity key than on your last visit.'}
        This happens when the relay was reinstalled or its data folder was lost, but it is also exactly what an
        impostor looks like. Parley did not connect and sent nothing. Check with the relay’s admin before trusting it.
      </p>
      <dl>
        <dt>Address</dt><dd><code>${c.address}</code></dd>
        <dt>Expected</dt><dd><code class="expected">${c.pinnedFingerprint}</code></dd>
        <dt>Presented</dt><dd><code class="presented">${c.offeredFingerprint}</code></dd>
      </dl>
      <button id="keep" type="submit" @click=${() => this.dispatchEvent(new RelayKeyDecisionEvent(false))}>Don’t connect</button>
      <button id="accept" class="danger" @click=${() => this.dispatchEvent(new RelayKeyDecisionEvent(true))}>Trust the new key and connect</button>
    </section>`;
  }
}
customElements.define('parley-relay-key-warning', ParleyRelayKeyWarning);

declare global {
  interface HTMLElementTagNameMap {
    'parley-relay-key-warning': ParleyRelayKeyWarning;
  }
}
