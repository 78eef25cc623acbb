import { LitElement, css, html } from 'lit';
import type { UserView } from '../session/index.ts';
import type { TreeView } from '../session/tree/index.ts';
import { LoadHistoryEvent } from './events.ts';
import { panelStyles } from './panel-styles.ts';

/**
 * Admins' room history: every applied change, newest first, who made it and
 * when, each marked ✓ when this browser verified the author's signature over
 * the exact bytes the relay stored, or "unverifiable" when it does not check.
 * @fires load-history - asks for the newest page, or older entries
 */
export class ParleyRoomHistory extends LitElement {
  static override properties = {
    history: { attribute: false },
    users: { attribute: false },
  };

  declare history: TreeView['history'];
  declare users: readonly UserView[];

  constructor() {
    super();
    this.history = null;
    this.users = [];
  }

  static override styles = [
    panelStyles,
    css`
      table { width: 100%; border-collapse: collapse; font-size: 0.9rem; }
      th, td { text-align: left; padding: 0.35rem 0.3rem; border-bottom: 1px solid var(--border); vertical-align: top; overflow-wrap: anywhere; }
      .bad { color: var(--danger-fg); font-weight: 600; }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.history) queueMicrotask(() => this.dispatchEvent(new LoadHistoryEvent(0)));
  }

  #who(hex: string): string {
    const u = this.users.find((x) => x.publicKeyHex === hex);
    return u ? u.displayName : `key ${hex.slice(0, 8)}…`;
  }

  override render() {
    const h = this.history;
    return html`<h2>Room history</h2>
      ${h?.forbidden ? html`<p class="error" role="alert">Only admins can read the room history.</p>` : ''}
      ${h && h.entries.length > 0
        ? html`<table>
            <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Signature</th></tr></thead>
            <tbody>
              ${h.entries.map(
                (e) => html`<tr data-seq=${e.seq}>
                  <td>${e.seq}</td>
                  <td>${new Date(e.appliedAtMs).toLocaleString()}</td>
                  <td>${this.#who(e.authorHex)}</td>
                  <td>${e.what}</td>
                  <td data-verified=${e.verified === null ? 'checking' : String(e.verified)}>
                    ${e.verified === null ? 'checking…' : e.verified ? html`<span aria-label="signature verified">✓ verified</span>` : html`<span class="bad">unverifiable</span>`}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>`
        : html`<p class="hint">${h?.loading ? 'Loading…' : 'No changes yet.'}</p>`}
      ${h?.more ? html`<button @click=${() => this.dispatchEvent(new LoadHistoryEvent(h.entries.at(-1)?.seq ?? 0))}>Older changes</button>` : ''}
      <button @click=${() => this.dispatchEvent(new LoadHistoryEvent(0))}>Refresh</button>`;
  }
}
customElements.define('parley-room-history', ParleyRoomHistory);

declare global {
  interface HTMLElementTagNameMap {
    'parley-room-history': ParleyRoomHistory;
  }
}
