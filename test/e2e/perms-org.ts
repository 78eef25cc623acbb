/**
 * The seed scenario's organisation (issue 15), built in real Chromium pages
 * against a real relay: an admin sets it up; an officer, a pilot and a member
 * join by member invites, a guest without one.
 *
 *   Parley (root)
 *   ├─ Command    everyone: no see (here and below); group officers (Command): see, enter
 *   ├─ Flight     everyone: no speak here; group pilots (Flight): speak; guests: no chat
 *   ├─ Ground     guests: no enter — added through the permissions dialog (keyboard path)
 *   └─ Logistics  guests: no enter
 *
 * Rules and groups are saved through the client's own path (the `acl-edit`
 * command the dialog sends: signed acl.* ops through the tree outbox).
 */
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { setOf } from '../../perms/index.ts';
import type { GroupDef, Rule } from '../../perms/index.ts';
import { joinAs, newProfile } from './browser.ts';
import type { VoiceRig } from './voice-rig.ts';

/** The pages of the scenario. */
export interface Org {
  readonly admin: Page;
  readonly officer: Page;
  readonly pilot: Page;
  readonly member: Page;
  readonly guest: Page;
  readonly keys: { readonly officer: string; readonly pilot: string; readonly member: string };
}

const rule = (id: string, label: string, who: Rule['who'], allow: number, deny: number, here = true, subs = true): Rule => ({ id, label, who, where: 'anywhere', allow, deny, here, subs });
const group = (name: string, add: string[]): GroupDef => ({ name, inherit: false, inheritable: true, add, remove: [] });

/** The page's own identity key. */
export const keyOf = (p: Page): Promise<string> => p.evaluate(() => window.parley!.session.state.identity!.publicKeyHex);

/** Waits until the page's tree has no queued changes, and returns what it refused. */
async function settled(p: Page): Promise<string[]> {
  await expect.poll(() => p.evaluate(() => window.parley!.session.state.tree.pendingCount), { timeout: 20_000 }).toBe(0);
  return p.evaluate(() => window.parley!.session.state.tree.refused.map((r) => `${r.what}: ${r.why}`));
}

/**
 * Adds "guests: no enter" to Ground through the permissions dialog, keyboard
 * only after opening it: Add rule…, Who = Guests, Enter = Deny, a label, Add
 * rule, Save.
 */
async function groundByDialog(admin: Page): Promise<void> {
  await admin.locator('parley-room-list').getByRole('button', { name: 'Actions for Ground', exact: true }).click();
  await admin.locator('parley-room-dialog').getByRole('button', { name: 'Permissions…' }).click();
  const dialog = admin.locator('parley-perms-dialog dialog');
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Add rule…' }).focus();
  await admin.keyboard.press('Enter');
  await dialog.locator('#rule-who').selectOption('guests');
  await dialog.locator('#perm-enter').selectOption('deny');
  await dialog.locator('#rule-label').fill('ground: members only');
  await dialog.locator('#rule-label').press('Enter');
  await expect.poll(() => dialog.locator('#whatif-summary').textContent()).toContain('removes enter from');
  await dialog.locator('#save-perms').focus();
  await admin.keyboard.press('Enter');
}

/** Signs everyone in and builds the organisation. */
export async function buildOrg(rig: VoiceRig, opts: { readonly memberTalks: boolean }): Promise<Org> {
  const relay = rig.relay;
  await expect.poll(() => relay.output(), { timeout: 10_000 }).toMatch(/#invite=/);
  const bootstrap = /(http:\/\/\S+#invite=\S+)/.exec(relay.output())![1]!.replace('localhost', '127.0.0.1');
  const admin = await (await newProfile(rig.quietBrowser)).newPage();
  await joinAs(admin, bootstrap, 'Admiral');
  await expect.poll(() => admin.evaluate(() => window.parley!.session.state.role)).toBe('admin');
  await admin.evaluate(() => window.parley!.session.dispatch({ type: 'create-invite', role: 'member', expiresInMs: 0, maxUses: 3 }));
  await expect.poll(() => admin.evaluate(() => window.parley!.session.state.createdInvite?.link ?? '')).toMatch(/#invite=/);
  const link = (await admin.evaluate(() => window.parley!.session.state.createdInvite!.link)).replace('localhost', '127.0.0.1');

  const officer = await (await newProfile(rig.quietBrowser)).newPage();
  const pilot = await (await newProfile(rig.toneBrowser)).newPage();
  const member = await (await newProfile(opts.memberTalks ? rig.toneBrowser : rig.quietBrowser)).newPage();
  const guest = await (await newProfile(rig.quietBrowser)).newPage();
  await Promise.all([joinAs(officer, link, 'Olga'), joinAs(pilot, link, 'Piet'), joinAs(member, link, 'Mia'), joinAs(guest, relay.url, 'Gus')]);
  for (const p of [officer, pilot, member]) await expect.poll(() => p.evaluate(() => window.parley!.session.state.role)).toBe('member');
  const keys = { officer: await keyOf(officer), pilot: await keyOf(pilot), member: await keyOf(member) };

  const rooms = ['Command', 'Flight', 'Ground', 'Logistics'].map((name, i) => ({ kind: 'room.create', args: { roomId: name.toLowerCase(), parentId: 'root', name, index: 2 + i, description: `${name} room`, userLimit: 0 } }));
  await admin.evaluate((edits) => {
    for (const edit of edits) window.parley!.session.dispatch({ type: 'tree-edit', edit: edit as never });
  }, rooms);
  expect(await settled(admin)).toEqual([]);
  const acl: { roomId: string; changes: unknown[] }[] = [
    {
      roomId: 'command',
      changes: [
        { kind: 'group-put', group: group('officers', [keys.officer]) },
        { kind: 'rule-put', rule: rule('cmdhide1', 'command: hidden', { kind: 'everyone' }, 0, setOf('see')) },
        { kind: 'rule-put', rule: rule('cmdoffi1', 'command: officers only', { kind: 'group', name: 'officers' }, setOf('see', 'enter'), 0) },
      ],
    },
    {
      roomId: 'flight',
      changes: [
        { kind: 'group-put', group: group('pilots', [keys.pilot]) },
        { kind: 'rule-put', rule: rule('fltquiet', 'flight: listen only', { kind: 'everyone' }, 0, setOf('speak'), true, false) },
        { kind: 'rule-put', rule: rule('fltpilot', 'flight: pilots speak', { kind: 'group', name: 'pilots' }, setOf('speak'), 0, true, false) },
        { kind: 'rule-put', rule: rule('fltnochat', 'flight: guests no chat', { kind: 'guests' }, 0, setOf('text')) },
      ],
    },
    { roomId: 'logistics', changes: [{ kind: 'rule-put', rule: rule('logmemb1', 'logistics: members only', { kind: 'guests' }, 0, setOf('enter')) }] },
  ];
  await admin.evaluate((edits) => {
    for (const e of edits) window.parley!.session.dispatch({ type: 'acl-edit', roomId: e.roomId, changes: e.changes as never });
  }, acl);
  expect(await settled(admin)).toEqual([]);
  await groundByDialog(admin);
  expect(await settled(admin)).toEqual([]);
  return { admin, officer, pilot, member, guest, keys };
}

/** The labels of a room's rules as the page's replica has them. */
export const ruleLabels = (p: Page, roomId: string): Promise<string[]> =>
  p.evaluate((id) => window.parley!.session.state.rooms.find((r) => r.id === id)?.acl?.rules.map((r) => r.label) ?? [], roomId);

/** Opens the inspector from the header, about `who` (an option's text) in the room with path `roomPath`. */
export async function inspect(p: Page, who: string, roomPath: string) {
  await p.locator('parley-app header').getByRole('button', { name: 'Permissions', exact: true }).click();
  const dialog = p.locator('parley-perms-inspector dialog');
  await dialog.waitFor();
  await dialog.locator('#inspect-who').selectOption({ label: who });
  await dialog.locator('#inspect-room').selectOption({ label: roomPath });
  return dialog;
}

/** One row of the inspector's grid: [permission, result, why]. */
export async function gridRow(dialog: ReturnType<Page['locator']>, permission: string): Promise<string[]> {
  const cells = await dialog.locator(`tr[data-permission="${permission}"] > *`).allTextContents();
  return cells.map((c) => c.replace(/\s+/g, ' ').trim());
}
