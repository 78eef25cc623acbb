/**
 * Issue 15's seed scenario in real Chromium, the parts the client and the
 * signed ACL ops decide: an admin builds Command (officers only), Flight
 * (pilots speak, everyone listens), Ground and Logistics (members) — Ground
 * through the permissions dialog — and every browser's replica, inspector and
 * "view as" agree with the rules; a member's attempt to edit permissions is
 * refused and rolled back with a sentence and a "Why?" that opens the
 * inspector. What the relay enforces (entering, who is heard, chat, hidden
 * rooms) is in permissions-scenario-enforced.e2e.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVoiceRig } from './voice-rig.ts';
import type { VoiceRig } from './voice-rig.ts';
import { sine } from '../helpers/wav.ts';
import { buildOrg, gridRow, inspect, ruleLabels } from './perms-org.ts';
import type { Org } from './perms-org.ts';

describe('permissions scenario: rules, inspector, view as, refusals', () => {
  let rig: VoiceRig;
  let org: Org;

  beforeAll(async () => {
    rig = await startVoiceRig('parley-perms-', sine(440, 10, 0.5), 10, ['--guests', 'allow']);
  });

  afterAll(async () => {
    await rig?.close();
  });

  it('an admin builds the organisation (Ground through the permissions dialog); nothing is refused', async () => {
    org = await buildOrg(rig, { memberTalks: false });
    expect(await org.admin.evaluate(() => window.parley!.session.state.tree.refused.length)).toBe(0);
  }, 300_000);

  it('every member’s replica has the rules, including the one added through the dialog', async () => {
    for (const p of [org.officer, org.pilot, org.member]) {
      await expect.poll(() => ruleLabels(p, 'flight')).toEqual(['flight: listen only', 'flight: pilots speak', 'flight: guests no chat']);
      await expect.poll(() => ruleLabels(p, 'ground')).toEqual(['ground: members only']);
    }
    const ground = await org.member.evaluate(() => window.parley!.session.state.rooms.find((r) => r.id === 'ground')!.acl!.rules[0]!);
    expect(ground).toMatchObject({ who: { kind: 'guests' }, allow: 0, here: true, subs: true, where: 'anywhere' });
  });

  it('the officer’s inspector: a guest may not see Command, a member of the officers may, each with its rule', async () => {
    const dialog = await inspect(org.officer, 'A guest', '/Command');
    expect(await gridRow(dialog, 'see')).toEqual(['See the room', '✗ Denied', 'denied: this room is hidden from them, by ‘command: hidden’ on /Command']);
    await dialog.locator('#inspect-who').selectOption({ label: 'A member of group ‘officers’' });
    expect(await gridRow(dialog, 'enter')).toEqual(['Enter', '✓ Allowed', 'allowed by ‘command: officers only’ on /Command']);
    await dialog.locator('#inspect-who').selectOption({ label: 'You' });
    expect(await gridRow(dialog, 'see')).toEqual(['See the room', '✓ Allowed', 'allowed by ‘command: officers only’ on /Command']);
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('view as: the pilot may speak in Flight, the member and the guest only listen; the guest may not enter Ground', async () => {
    const flight = async (p: typeof org.pilot, roomId: string, who = 'You') => {
      const dialog = await inspect(p, who, '/Flight');
      await dialog.getByRole('button', { name: /^View the whole tree as/ }).click();
      const label = await dialog.locator(`parley-perms-view-as li[data-room-id="${roomId}"]`).getAttribute('aria-label');
      await dialog.getByRole('button', { name: 'Close' }).click();
      return label;
    };
    expect(await flight(org.pilot, 'flight')).toBe('Flight: can see, can enter, can speak, can chat');
    expect(await flight(org.member, 'flight')).toBe('Flight: can see, can enter, cannot speak, can chat');
    // Only the officer's replica has Command at all once hidden rooms are filtered (perms-hidden): ask there, as a member would see it.
    expect(await flight(org.officer, 'command', 'A member')).toBe('Command: hidden');
    expect(await flight(org.guest, 'ground')).toBe('Ground: can see, cannot enter, can speak, can chat');
    expect(await flight(org.guest, 'flight')).toBe('Flight: can see, can enter, cannot speak, cannot chat');
  });

  it('a member’s permissions edit is refused and rolled back with a sentence; "Why?" opens the inspector on edit-perms', async () => {
    await org.member.evaluate(() =>
      window.parley!.session.dispatch({ type: 'acl-edit', roomId: 'ground', changes: [{ kind: 'rule-delete', ruleId: window.parley!.session.state.rooms.find((r) => r.id === 'ground')!.acl!.rules[0]!.id }] }),
    );
    const refusal = org.member.locator('parley-tree-status .refused');
    await expect.poll(() => refusal.textContent(), { timeout: 10_000 }).toContain('you may not edit permissions in “Ground”');
    expect(await ruleLabels(org.member, 'ground')).toEqual(['ground: members only']);
    expect(await org.member.evaluate(() => window.parley!.session.state.tree.pendingCount)).toBe(0);
    await refusal.getByRole('button', { name: /^Why\?/ }).click();
    const dialog = org.member.locator('parley-perms-inspector dialog');
    await dialog.waitFor();
    expect(await dialog.locator('caption').textContent()).toBe('What you may do in /Ground');
    expect(await dialog.locator('tr[aria-current="true"]').getAttribute('data-permission')).toBe('edit-perms');
    expect(await gridRow(dialog, 'edit-perms')).toEqual(['Edit permissions', '✗ Denied', 'denied by default (no rule allows it)']);
    // The admin's tree still has the rule: nothing changed for anyone else.
    expect(await ruleLabels(org.admin, 'ground')).toEqual(['ground: members only']);
  });
});
