/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { AdminCommand, AdminCommandEvent, ParleyAdminPanel, ParleyRelayKeyWarning, RelayKeyDecisionEvent } from '../../../client/ui/index.ts';
import type { UserView } from '../../../client/session/index.ts';

const NOW = Date.UTC(2026, 10, 20, 12);
const me: UserView = { sessionId: 1, publicKeyHex: 'aa'.repeat(32), displayName: 'Admin', roomId: 'lobby', muted: false, deafened: false, role: 'admin' };
const bob: UserView = { sessionId: 2, publicKeyHex: 'bb'.repeat(32), displayName: 'Bob', roomId: 'lobby', muted: false, deafened: false, role: 'member' };

suite('parley-admin-panel', () => {
  teardown(() => document.querySelectorAll('parley-admin-panel, parley-relay-key-warning').forEach((e) => e.remove()));

  async function mount(): Promise<{ el: ParleyAdminPanel; root: ShadowRoot; fired: AdminCommand[] }> {
    const el = document.createElement('parley-admin-panel');
    el.now = NOW;
    el.users = [me, bob];
    el.selfSessionId = 1;
    el.admin = {
      invites: [
        { idHex: '11'.repeat(16), role: 'member', expiresAtMs: NOW + 3_600_000, maxUses: 5, uses: 2, issuerHex: me.publicKeyHex, revoked: false },
        { idHex: '22'.repeat(16), role: 'admin', expiresAtMs: NOW - 1, maxUses: 1, uses: 0, issuerHex: me.publicKeyHex, revoked: false },
      ],
      bans: [{ publicKeyHex: 'cc'.repeat(32), displayName: 'Troll', untilMs: 0, reason: 'spam', bannedAtMs: NOW }],
    };
    const fired: AdminCommand[] = [];
    el.addEventListener('admin-command', (e: AdminCommandEvent) => fired.push(e.command));
    document.body.append(el);
    await el.updateComplete;
    return { el, root: el.shadowRoot!, fired };
  }

  const byLabel = (root: ShadowRoot, label: string): HTMLButtonElement => root.querySelector(`button[aria-label="${label}"]`) as HTMLButtonElement;

  test('create invite fires the chosen role, expiry and uses; the link shows with a copy button', async () => {
    const { el, root, fired } = await mount();
    (root.querySelector('#invite-role') as HTMLSelectElement).value = 'admin';
    (root.querySelector('#invite-expiry') as HTMLSelectElement).value = String(24 * 3_600_000);
    (root.querySelector('#invite-uses') as HTMLInputElement).value = '3';
    (root.querySelector('form button[type="submit"]') as HTMLButtonElement).click();
    assert.deepEqual(fired, [{ type: 'create-invite', role: 'admin', expiresInMs: 24 * 3_600_000, maxUses: 3 }]);
    el.createdInvite = { link: 'http://relay/#invite=abc', role: 'admin', expiresAtMs: NOW + 1, maxUses: 3 };
    await el.updateComplete;
    assert.equal((root.querySelector('#invite-link') as HTMLInputElement).value, 'http://relay/#invite=abc');
    assert.isNotNull(root.querySelector('label[for="invite-link"]'));
  });

  test('lists invites with their state; only active ones can be revoked', async () => {
    const { root, fired } = await mount();
    const states = [...root.querySelectorAll('[data-invite-id] .state')].map((e) => e.textContent);
    assert.deepEqual(states, ['active', 'expired']);
    byLabel(root, `Revoke member invite ${'11'.repeat(4)}`).click();
    assert.deepEqual(fired, [{ type: 'revoke-invite', idHex: '11'.repeat(16) }]);
    assert.isNull(byLabel(root, `Revoke admin invite ${'22'.repeat(4)}`));
  });

  test('kick, ban (with length and reason) and promote others, never oneself; lift a ban', async () => {
    const { root, fired } = await mount();
    assert.isNull(root.querySelector('[data-session-id="1"]'), 'no actions on oneself');
    (root.querySelector('#reason-2') as HTMLInputElement).value = 'shouting';
    byLabel(root, 'Kick Bob').click();
    (root.querySelector('#ban-length-2') as HTMLSelectElement).value = String(3_600_000);
    byLabel(root, 'Ban Bob').click();
    byLabel(root, 'Make Bob admin').click();
    byLabel(root, 'Lift the ban on Troll').click();
    assert.deepEqual(fired, [
      { type: 'kick', sessionId: 2, reason: 'shouting' },
      { type: 'ban', publicKeyHex: bob.publicKeyHex, durationMs: 3_600_000, reason: 'shouting' },
      { type: 'set-role', publicKeyHex: bob.publicKeyHex, role: 'admin' },
      { type: 'lift-ban', publicKeyHex: 'cc'.repeat(32) },
    ]);
    for (const i of root.querySelectorAll('input, select')) assert.isNotNull(root.querySelector(`label[for="${i.id}"]`), `label for ${i.id}`);
  });

  test('renders user text as text, never HTML', async () => {
    const { el, root } = await mount();
    el.users = [me, { ...bob, displayName: '<img src=x onerror="window.pwned=1">' }];
    await el.updateComplete;
    assert.isNull(root.querySelector('img'));
    assert.include(root.querySelector('[data-session-id="2"] .who')!.textContent, '<img');
  });
});

suite('parley-relay-key-warning', () => {
  test('shows both fingerprints, focuses "Don’t connect", and fires the decision', async () => {
    const el = document.createElement('parley-relay-key-warning') as ParleyRelayKeyWarning;
    el.change = { address: 'ws://relay/ws', pinnedFingerprint: 'aaaa-bbbb-cccc-dddd', offeredFingerprint: 'eeee-ffff-gggg-hhhh', source: 'pinned' };
    const decisions: boolean[] = [];
    el.addEventListener('relay-key-decision', (e: RelayKeyDecisionEvent) => decisions.push(e.accept));
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.equal(root.querySelector('[role="alertdialog"]')!.getAttribute('aria-labelledby'), 'warn-title');
    assert.equal(root.querySelector('.expected')!.textContent, 'aaaa-bbbb-cccc-dddd');
    assert.equal(root.querySelector('.presented')!.textContent, 'eeee-ffff-gggg-hhhh');
    assert.equal(root.activeElement?.id, 'keep');
    (root.querySelector('#keep') as HTMLButtonElement).click();
    (root.querySelector('#accept') as HTMLButtonElement).click();
    assert.deepEqual(decisions, [false, true]);
  });
});
