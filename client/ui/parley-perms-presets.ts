import { LitElement, css, html } from 'lit';
import { PRESETS } from '../../perms/index.ts';
import type { RoomAcl } from '../../perms/index.ts';
import type { KnownPerson } from '../session/perms/perm-state.ts';
import { panelStyles } from './panel-styles.ts';
import { personName } from './perms-text.ts';

/** A preset was chosen: the draft becomes its rules and groups. */
export class PresetEvent extends Event {
  static readonly type = 'preset';
  constructor(readonly acl: RoomAcl) {
    super(PresetEvent.type, { bubbles: true, composed: true });
  }
}

type PresetName = keyof typeof PRESETS;

/**
 * The common cases in one step (perms/presets.ts): open room, members only,
 * admins only, briefing room (the chosen people speak, the rest listen),
 * password room (the password itself is set on the relay, never in the
 * rules). Applying one replaces the draft's rules and groups; nothing is
 * saved until "Save".
 * @fires preset - with the preset's ACL
 */
export class ParleyPermsPresets extends LitElement {
  static override properties = {
    people: { attribute: false },
    _choice: { state: true },
  };

  declare people: readonly KnownPerson[];
  declare _choice: PresetName;

  constructor() {
    super();
    this.people = [];
    this._choice = 'open';
  }

  static override styles = [panelStyles, css`:host { padding: 0; background: none; margin: 0; } select[multiple] { min-height: 6rem; }`];

  #apply(): void {
    const speakers = [...((this.renderRoot.querySelector('#preset-speakers') as HTMLSelectElement | null)?.selectedOptions ?? [])].map((o) => o.value);
    const acl = this._choice === 'briefing' ? PRESETS.briefing.make(speakers) : PRESETS[this._choice].make();
    this.dispatchEvent(new PresetEvent(acl));
  }

  override render() {
    const names = new Map(this.people.map((p) => [p.keyHex, p.name]));
    return html`<label for="preset">Preset</label>
      <select id="preset" @change=${(e: Event) => (this._choice = (e.target as HTMLSelectElement).value as PresetName)}>
        ${(Object.keys(PRESETS) as PresetName[]).map((k) => html`<option value=${k} ?selected=${k === this._choice}>${PRESETS[k].label}</option>`)}
      </select>
      ${this._choice === 'briefing'
        ? html`<label for="preset-speakers">Speakers (the others listen)</label>
            <select id="preset-speakers" multiple>${this.people.map((p) => html`<option value=${p.keyHex}>${personName(p.keyHex, names)}</option>`)}</select>`
        : ''}
      ${this._choice === 'password' ? html`<p class="hint">Only holders of the room’s password may enter; an admin sets the password on the relay.</p>` : ''}
      <button @click=${() => this.#apply()}>Apply preset</button>`;
  }
}
customElements.define('parley-perms-presets', ParleyPermsPresets);

declare global {
  interface HTMLElementTagNameMap {
    'parley-perms-presets': ParleyPermsPresets;
  }
  interface HTMLElementEventMap {
    preset: PresetEvent;
  }
}
