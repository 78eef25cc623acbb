import { LitElement, css, html, nothing } from 'lit';
import { fileErrorText } from '../../files/index.ts';
import type { FilesStorageView, StoredFileView } from '../../session/files-commands.ts';
import { FileCommandEvent } from '../file-events.ts';
import type { FileIdCommandType } from '../../session/files-commands.ts';
import { formatBytes } from './file-format.ts';

const MB = 1024 * 1024;

const KIND_TEXT = { opfs: '', indexeddb: '', memory: ' This browser keeps them only until the page closes.', unknown: '' } as const;

/**
 * The storage panel: how much Parley's shared files take in this browser
 * (and what the browser itself reports for the site), the user's limit on
 * it, each stored file with "Stop seeding" and "Remove", why downloads
 * stopped when storage is full, and the file settings (automatic image
 * downloads, never connecting directly, and hiding this device's address
 * behind the organisation's TURN server, offered only when the relay has
 * one, and still shown while it is on so it can be turned off). Every control is a labelled native
 * control in tab order; rows wrap on a phone.
 * @fires file-command - a FileCommandEvent
 */
export class ParleyFileStorage extends LitElement {
  static override properties = {
    view: { attribute: false },
  };

  declare view: FilesStorageView | null;

  constructor() {
    super();
    this.view = null;
  }

  static override styles = css`
    :host { display: block; }
    h3 { margin: 0.2rem 0 0.4rem; font-size: 1rem; }
    .row { display: flex; flex-wrap: wrap; gap: 0.4rem; align-items: center; margin: 0.35rem 0; }
    input[type='number'] { font: inherit; width: 6rem; padding: 0.3rem; min-height: 32px; border-radius: 6px; border: 1px solid var(--border); background: var(--bg); color: var(--fg); }
    meter { width: 100%; }
    .full, .problem { color: var(--danger-fg); }
    ul { list-style: none; padding: 0; margin: 0.3rem 0; display: grid; gap: 0.35rem; }
    li { display: flex; flex-wrap: wrap; gap: 0.3rem 0.6rem; align-items: center; border: 1px solid var(--border); border-radius: 8px; padding: 0.35rem 0.5rem; min-width: 0; }
    .name { font-weight: 600; overflow-wrap: anywhere; flex: 1 1 10rem; min-width: 0; }
    .meta { font-size: 0.8rem; color: var(--muted); }
    button { font: inherit; font-size: 0.85rem; padding: 0.3rem 0.7rem; min-height: 36px; border-radius: 8px; border: 1px solid var(--border); background: var(--panel); color: var(--fg); cursor: pointer; }
    button:focus-visible, input:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
  `;

  #send(command: ConstructorParameters<typeof FileCommandEvent>[0]): void {
    this.dispatchEvent(new FileCommandEvent(command));
  }

  #onNumber(type: 'file-set-quota' | 'file-set-auto-image', e: Event): void {
    const v = Number((e.target as HTMLInputElement).value);
    if (Number.isFinite(v) && v >= 0) this.#send({ type, bytes: Math.round(v * MB) });
  }

  #file(f: StoredFileView) {
    const name = f.name ?? `an earlier file (${f.fileId.slice(0, 8)})`;
    const act = (type: FileIdCommandType) => () => this.#send({ type, fileId: f.fileId });
    const state = f.own ? 'shared by you' : f.complete ? (f.seeding ? 'downloaded, shared with others who ask' : 'downloaded, not shared') : 'partly downloaded';
    return html`<li>
      <span class="name">${name}</span>
      <span class="meta">${formatBytes(f.bytes)} · ${state}</span>
      ${f.seeding
        ? html`<button type="button" aria-label=${`Stop seeding ${name}`} @click=${act(f.own ? 'file-stop-sharing' : 'file-stop-seeding')}>Stop seeding</button>`
        : nothing}
      <button type="button" aria-label=${`Remove ${name} from this device`} @click=${act('file-remove')}>Remove</button>
    </li>`;
  }

  override render() {
    const v = this.view;
    if (!v) return nothing;
    const full = v.usedBytes >= v.quotaBytes;
    return html`<section aria-labelledby="files-storage-h">
      <h3 id="files-storage-h">Shared files on this device</h3>
      <meter min="0" max=${v.quotaBytes} .value=${v.usedBytes} aria-label="Storage used by shared files"></meter>
      <p class=${full ? 'full' : ''} role="status">${formatBytes(v.usedBytes)} of ${formatBytes(v.quotaBytes)} used.${KIND_TEXT[v.kind]}${
        full ? ' The limit is reached: new downloads wait until you remove files or raise the limit.' : ''
      }</p>
      ${v.browserUsage !== null && v.browserQuota !== null
        ? html`<p class="meta">The browser reports ${formatBytes(v.browserUsage)} used by this site, of ${formatBytes(v.browserQuota)} it allows.</p>`
        : nothing}
      ${v.problem ? html`<p class="problem" role="alert">${fileErrorText({ code: v.problem })}</p>` : nothing}
      ${v.files.length
        ? html`<ul aria-label="Files stored on this device">${v.files.map((f) => this.#file(f))}</ul>`
        : html`<p class="meta">No shared files are stored here.</p>`}
      <div class="row">
        <label for="quota">Storage limit (MB)</label>
        <input id="quota" type="number" min="0" step="1" .value=${String(Math.round(v.quotaBytes / MB))} @change=${(e: Event) => this.#onNumber('file-set-quota', e)} />
      </div>
      <div class="row">
        <label for="auto">Download images by themselves up to (MB)</label>
        <input id="auto" type="number" min="0" step="1" .value=${String(Math.round(v.autoImageBytes / MB))} @change=${(e: Event) => this.#onNumber('file-set-auto-image', e)} />
      </div>
      <div class="row">
        <input id="relay-only" type="checkbox" .checked=${v.relayOnly} @change=${(e: Event) => this.#send({ type: 'file-set-relay-only', on: (e.target as HTMLInputElement).checked })} />
        <label for="relay-only">Never connect directly to other browsers (files come through the relay, which hides this device's network address; slower, and only if the server allows it)</label>
      </div>
      ${v.turnOffered || v.hideAddress
        ? html`<div class="row">
            <input id="hide-address" type="checkbox" aria-describedby="hide-address-help" .checked=${v.hideAddress} @change=${(e: Event) => this.#send({ type: 'file-set-hide-address', on: (e.target as HTMLInputElement).checked })} />
            <label for="hide-address">Hide my IP address from other members</label>
            <p id="hide-address-help" class="meta">${v.turnOffered
              ? "Files to and from other browsers then go only through your organisation's TURN server, so other members never see this device's network address. Transfers may be slower."
              : 'This server has no TURN server, so while this is on, files come only through the relay (as with "Never connect directly"), if the server allows it.'}</p>
          </div>`
        : nothing}
    </section>`;
  }
}
customElements.define('parley-file-storage', ParleyFileStorage);

declare global {
  interface HTMLElementTagNameMap {
    'parley-file-storage': ParleyFileStorage;
  }
}
