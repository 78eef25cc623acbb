import { LitElement, css, html } from 'lit';
import { bit, PERMISSIONS } from '../../perms/index.ts';
import type { Permission, Rule, Where, Who } from '../../perms/index.ts';
import type { KnownPerson } from '../session/perms/perm-state.ts';
import { panelStyles } from './panel-styles.ts';
import { autoLabel, permissionTitle, personName } from './perms-text.ts';
import { newRuleId } from '../session/perms/acl-draft.ts';

/** Who a rule can be about, as the first select offers it. */
type WhoKind = Who['kind'];
/** One permission's three states in a rule. */
type Tri = 'unset' | 'allow' | 'deny';

/** A rule was saved (new or edited). */
export class RuleSaveEvent extends Event {
  static readonly type = 'rule-save';
  constructor(readonly rule: Rule) {
    super(RuleSaveEvent.type, { bubbles: true, composed: true });
  }
}

const WHO_TEXT: Readonly<Record<WhoKind, string>> = { everyone: 'Everyone', guests: 'Guests', members: 'Members', admins: 'Admins', group: 'A named group', key: 'One person' };
const WHERE_TEXT: Readonly<Record<Where, string>> = { anywhere: 'Wherever they are', 'in-room': 'While in this room', 'in-sub-room': 'While in a sub-room', outside: 'While outside this room' };

/**
 * The form for one rule: who (everyone, guests, members, admins, a named
 * group, or one person picked from known names), allow / deny / not set per
 * permission (one labelled select each: three states, keyboard and screen
 * reader friendly), where it applies (here, sub-rooms), the advanced "only
 * while" condition and a label. Narrow screens get one column.
 * @fires rule-save - with the rule
 * @fires cancel - the user gave up
 */
export class ParleyRuleEditor extends LitElement {
  static override properties = {
    rule: { attribute: false },
    people: { attribute: false },
    groups: { attribute: false },
    _who: { state: true },
    _error: { state: true },
  };

  /** The rule being edited; null = a new one. */
  declare rule: Rule | null;
  declare people: readonly KnownPerson[];
  /** Names of the groups this room can use (its own and inherited). */
  declare groups: readonly string[];
  declare _who: WhoKind;
  declare _error: string;

  constructor() {
    super();
    this.rule = null;
    this.people = [];
    this.groups = [];
    this._who = 'everyone';
    this._error = '';
  }

  static override styles = [
    panelStyles,
    css`
      :host { margin: 0.5rem 0; padding: 0.75rem; border: 1px solid var(--border); }
      fieldset { border: 1px solid var(--border); border-radius: 8px; margin: 0.5rem 0; padding: 0.4rem 0.6rem; min-width: 0; }
      legend { font-weight: 600; }
      .perms { display: grid; gap: 0 0.75rem; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); }
      .perms label { font-weight: 400; margin: 0.3rem 0 0.1rem; }
      .check { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; }
      .check input { width: auto; min-height: 0; }
    `,
  ];

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('rule')) this._who = this.rule?.who.kind ?? 'everyone';
  }

  #el<T extends HTMLElement>(id: string): T | null {
    return this.renderRoot.querySelector(`#${id}`) as T | null;
  }

  #tri(p: Permission): Tri {
    const r = this.rule;
    if (!r) return 'unset';
    return r.deny & bit(p) ? 'deny' : r.allow & bit(p) ? 'allow' : 'unset';
  }

  #who(): Who | null {
    switch (this._who) {
      case 'group': {
        const name = this.#el<HTMLSelectElement>('rule-group')?.value ?? '';
        return name ? { kind: 'group', name } : null;
      }
      case 'key': {
        const keyHex = this.#el<HTMLSelectElement>('rule-person')?.value ?? '';
        return keyHex ? { kind: 'key', keyHex } : null;
      }
      default:
        return { kind: this._who };
    }
  }

  #submit(e: Event): void {
    e.preventDefault();
    const who = this.#who();
    if (!who) {
      this._error = this._who === 'group' ? 'Choose a group (add one under Groups first).' : 'Choose a person.';
      return;
    }
    let allow = 0;
    let deny = 0;
    for (const p of PERMISSIONS) {
      const v = this.#el<HTMLSelectElement>(`perm-${p}`)?.value;
      if (v === 'allow') allow |= bit(p);
      if (v === 'deny') deny |= bit(p);
    }
    const here = this.#el<HTMLInputElement>('rule-here')?.checked ?? true;
    const subs = this.#el<HTMLInputElement>('rule-subs')?.checked ?? true;
    if (!here && !subs) {
      this._error = 'A rule must apply here, in sub-rooms, or both.';
      return;
    }
    const where = (this.#el<HTMLSelectElement>('rule-where')?.value ?? 'anywhere') as Where;
    const names = new Map(this.people.map((p) => [p.keyHex, p.name]));
    const label = (this.#el<HTMLInputElement>('rule-label')?.value ?? '').trim() || autoLabel({ who, allow, deny }, names);
    this._error = '';
    this.dispatchEvent(new RuleSaveEvent({ id: this.rule?.id ?? newRuleId(), label, who, where, allow, deny, here, subs }));
  }

  override render() {
    const r = this.rule;
    const names = new Map(this.people.map((p) => [p.keyHex, p.name]));
    return html`<form @submit=${(e: Event) => this.#submit(e)} aria-labelledby="rule-title">
      <h3 id="rule-title">${r ? `Edit rule ‘${r.label}’` : 'New rule'}</h3>
      <label for="rule-who">Who</label>
      <select id="rule-who" @change=${(e: Event) => (this._who = (e.target as HTMLSelectElement).value as WhoKind)}>
        ${(Object.keys(WHO_TEXT) as WhoKind[]).map((k) => html`<option value=${k} ?selected=${k === this._who}>${WHO_TEXT[k]}</option>`)}
      </select>
      ${this._who === 'group'
        ? html`<label for="rule-group">Group</label>
            <select id="rule-group">
              ${this.groups.map((g) => html`<option value=${g} ?selected=${r?.who.kind === 'group' && r.who.name === g}>${g}</option>`)}
            </select>`
        : ''}
      ${this._who === 'key'
        ? html`<label for="rule-person">Person</label>
            <select id="rule-person">
              ${this.people.map((p) => html`<option value=${p.keyHex} ?selected=${r?.who.kind === 'key' && r.who.keyHex === p.keyHex}>${personName(p.keyHex, names)}</option>`)}
            </select>`
        : ''}
      <fieldset>
        <legend>Permissions (not set = as inherited)</legend>
        <div class="perms">
          ${PERMISSIONS.map(
            (p) => html`<div>
              <label for=${`perm-${p}`}>${permissionTitle(p)}</label>
              <select id=${`perm-${p}`} data-perm=${p}>
                ${(['unset', 'allow', 'deny'] as const).map((t) => html`<option value=${t} ?selected=${this.#tri(p) === t}>${t === 'unset' ? 'Not set' : t === 'allow' ? 'Allow' : 'Deny'}</option>`)}
              </select>
            </div>`,
          )}
        </div>
      </fieldset>
      <fieldset>
        <legend>Applies</legend>
        <label class="check"><input type="checkbox" id="rule-here" .checked=${r?.here ?? true} /> In this room</label>
        <label class="check"><input type="checkbox" id="rule-subs" .checked=${r?.subs ?? true} /> In sub-rooms</label>
        <label for="rule-where">Only while (advanced)</label>
        <select id="rule-where">
          ${(Object.keys(WHERE_TEXT) as Where[]).map((w) => html`<option value=${w} ?selected=${(r?.where ?? 'anywhere') === w}>${WHERE_TEXT[w]}</option>`)}
        </select>
      </fieldset>
      <label for="rule-label">Label (optional)</label>
      <input id="rule-label" maxlength="64" .value=${r?.label ?? ''} placeholder=${r ? '' : 'e.g. guests: no speak'} />
      ${this._error ? html`<p class="error" role="alert">${this._error}</p>` : ''}
      <button type="submit">${r ? 'Keep rule' : 'Add rule'}</button>
      <button type="button" @click=${() => this.dispatchEvent(new Event('cancel'))}>Cancel</button>
    </form>`;
  }
}
customElements.define('parley-rule-editor', ParleyRuleEditor);

declare global {
  interface HTMLElementTagNameMap {
    'parley-rule-editor': ParleyRuleEditor;
  }
  interface HTMLElementEventMap {
    'rule-save': RuleSaveEvent;
  }
}
