/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../../client/ui/index.ts';
import type { ParleyRoomInvite, RoomInviteCommand, RoomInviteEvent } from '../../../../client/ui/index.ts';
import type { RoomView } from '../../../../client/session/index.ts';
import { passwordRoom } from '../../../../perms/index.ts';
import { accessibleName, controls } from './a11y.ts';

const room = (acl?: RoomView['acl']): RoomView => ({ id: 'vip', name: 'VIP', parentId: 'root', position: 0, voiceId: 2, description: '', userLimit: 0, pending: false, ...(acl ? { acl } : {}) });

function nextCommand(el: HTMLElement): Promise<RoomInviteCommand> {
  return new Promise((resolve) => el.addEventListener('room-invite', (e) => resolve((e as RoomInviteEvent).command), { once: true }));
}

async function mount(r: RoomView): Promise<ParleyRoomInvite> {
  const el = document.createElement('parley-room-invite');
  el.room = r;
  document.body.append(el);
  await el.updateComplete;
  return el;
}

suite('parley-room-invite', () => {
  teardown(() => document.querySelectorAll('parley-room-invite').forEach((e) => e.remove()));

  test('a room without an invite group says how to add one and offers no link', async () => {
    const root = (await mount(room())).shadowRoot!;
    assert.isTrue(root.querySelector('dialog')!.open);
    assert.include(root.textContent!, 'Password room');
    assert.isNull(root.querySelector('form'));
  });

  test('every control is labelled; Make invite link sends the chosen group, expiry and uses; the link shows with a copy button', async () => {
    const el = await mount(room(passwordRoom()));
    const root = el.shadowRoot!;
    for (const c of controls(root)) assert.notEqual(accessibleName(c), '', c.outerHTML);
    const uses = root.querySelector<HTMLSelectElement>('select[name="uses"]')!;
    uses.value = '1';
    const sent = nextCommand(el);
    root.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    assert.deepEqual(await sent, { type: 'make-room-invite', roomId: 'vip', group: 'password', expiresInMs: 86_400_000, maxUses: 1 });
    el.link = { roomId: 'vip', status: 'ready', link: 'https://p.example/#room-invite=AAAA', message: '' };
    await el.updateComplete;
    const field = root.querySelector<HTMLInputElement>('input.link')!;
    assert.equal(field.value, 'https://p.example/#room-invite=AAAA');
    assert.equal(accessibleName(field), 'Invite link');
    assert.isNotNull([...root.querySelectorAll('button')].find((b) => b.textContent === 'Copy link'));
  });

  test('a failure is shown as an alert', async () => {
    const el = await mount(room(passwordRoom()));
    el.link = { roomId: 'vip', status: 'failed', link: '', message: 'Could not sign the invite with this identity.' };
    await el.updateComplete;
    assert.equal(el.shadowRoot!.querySelector('[role="alert"]')!.textContent, 'Could not sign the invite with this identity.');
  });
});
