import { LitElement, css, html } from 'lit';
import { pageSecurityNotice } from '../session/index.ts';
import type { PageSecurity } from '../session/index.ts';

/**
 * A banner above the app when the page cannot have voice (plain HTTP from
 * another machine) or the offline shell (an untrusted certificate), with a
 * link to the relay's CA install page when the relay has one.
 */
export class ParleyPageSecurity extends LitElement {
  static override properties = {
    page: { attribute: false },
    caPage: { attribute: false },
  };

  declare page: PageSecurity | null;
  /** URL of the relay's `/ca` page, when it serves one. */
  declare caPage: string | null;

  constructor() {
    super();
    this.page = null;
    this.caPage = null;
  }

  static override styles = css`
    :host { display: block; }
    p { margin: 0; padding: 0.6rem 1rem; background: var(--warn-bg, #fff4ce); color: var(--warn-fg, #4a3b00); border-bottom: 1px solid currentColor; }
  `;

  override render() {
    const text = this.page ? pageSecurityNotice(this.page) : null;
    if (!text) return html``;
    return html`<p role="status">${text}${this.caPage ? html` <a href=${this.caPage}>Install this relay’s certificate</a>.` : ''}</p>`;
  }
}

customElements.define('parley-page-security', ParleyPageSecurity);
