import { LitElement, css, html, nothing } from 'lit';
import type { StorageUse } from '../../files/index.ts';
import { FileCommandEvent } from '../file-events.ts';
import { formatBytes } from './file-format.ts';

const MB = 1024 * 1024;

/**
 * Storage used by shared files, the limit the user sets on it, and the size
 * under which images download by themselves.
 * @fires file-command - `file-set-quota` and `file-set-auto-image`
 */
export class ParleyFileStorage extends LitElement {
  static override properties = {
    use: { attribute: false },
    autoImageBytes: { type: Number, attribute: 'auto-image-bytes' },
  };

  declare use: StorageUse | null;
  declare autoImageBytes: number;

  constructor() {
    super();
    this.use = null;
    this.autoImageBytes = 5 * MB;
  }

  static override styles = css`
    :host { display: block; }
    .row { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.35rem 0; }
    input { font: inherit; width: 6rem; padding: 0.3rem; min-height: 32px; border-radius: 6px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
    meter { width: 100%; }
    .full { color: var(--danger-fg); }
  `;

  #onNumber(type: 'file-set-quota' | 'file-set-auto-image', e: Event): void {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isFinite(v) && v >= 0) this.dispatchEvent(new FileCommandEvent({ type, bytes: Math.round(v * MB) }));
  }

  override render() {
    const u = this.use;
    const full = u !== null && u.usedBytes >= u.quotaBytes;
    return html`<section aria-labelledby="files-storage-h">
      <h3 id="files-storage-h">Shared files on this device</h3>
      ${u
        ? html`<meter min="0" max=${u.quotaBytes} .value=${u.usedBytes} aria-label="Storage used by shared files"></meter>
            <p class=${full ? 'full' : ''} role="status">${formatBytes(u.usedBytes)} of ${formatBytes(u.quotaBytes)} used${
              u.kind === 'memory' ? ' (this browser keeps them only until the page closes)' : ''
            }.${full ? ' The limit is reached: new downloads wait until you remove files or raise the limit.' : ''}</p>`
        : nothing}
      <div class="row">
        <label for="quota">Storage limit (MB)</label>
        <input id="quota" type="number" min="0" step="1" .value=${String(Math.round((u?.quotaBytes ?? 0) / MB))} @change=${(e: Event) => this.#onNumber('file-set-quota', e)} />
      </div>
      <div class="row">
        <label for="auto">Download images by themselves up to (MB)</label>
        <input id="auto" type="number" min="0" step="1" .value=${String(Math.round(this.autoImageBytes / MB))} @change=${(e: Event) => this.#onNumber('file-set-auto-image', e)} />
      </div>
    </section>`;
  }
}
customElements.define('parley-file-storage', ParleyFileStorage);

declare global {
  interface HTMLElementTagNameMap {
    'parley-file-storage': ParleyFileStorage;
  }
}
