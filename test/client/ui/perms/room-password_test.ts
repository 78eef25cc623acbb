/// <reference types="mocha" />
import { assert } from 'chai';
import { sendKeys } from '@web/test-runner-commands';
import '../../../../client/ui/index.ts';
import type { ParleyRoomPassword, RoomPasswordCommand, RoomPasswordEvent } from '../../../../client/ui/index.ts';
import '../../../../client/ui/parley-password-groups.ts';
import { deepActive } from './a11y.ts';

function nextCommand(el: HTMLElement): Promise<RoomPasswordCommand> {
  return new Promise((resolve) => el.addEventListener('room-password', (e) => resolve((e as RoomPasswordEvent).command), { once: true }));
}

async function mountPrompt(wrong = false): Promise<ParleyRoomPassword> {
  const el = document.createElement('parley-room-password');
  el.prompt = { roomId: 'vault', wrong };
  el.roomName = 'Vault';
  document.body.append(el);
  await el.updateComplete;
  return el;
}

suite('parley-room-password', () => {
  teardown(() => document.querySelectorAll('parley-room-password, parley-password-groups').forEach((e) => e.remove()));

  test('is a modal dialog with a labelled password field; typing and Enter sends join-room with the password, then empties the field', async () => {
    const el = await mountPrompt();
    const root = el.shadowRoot!;
    const dialog = root.querySelector('dialog')!;
    assert.isTrue(dialog.open);
    assert.equal(root.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent, '“Vault” needs a password');
    const input = root.querySelector<HTMLInputElement>('#room-password')!;
    assert.equal(input.type, 'password');
    assert.equal(input.labels![0]!.textContent, 'Password for “Vault”');
    assert.equal(input.getAttribute('aria-invalid'), 'false');
    input.focus();
    assert.equal(deepActive(), input);
    const sent = nextCommand(el);
    await sendKeys({ type: 's3cret' });
    await sendKeys({ press: 'Enter' });
    assert.deepEqual(await sent, { type: 'join-room', roomId: 'vault', password: 's3cret' });
    assert.equal(input.value, '');
    await el.updateComplete;
    assert.equal(root.querySelector<HTMLButtonElement>('button[type="submit"]')!.textContent, 'Entering…');
  });

  test('a wrong password shows an error tied to the field and keeps the dialog open', async () => {
    const el = await mountPrompt();
    el.prompt = { roomId: 'vault', wrong: true };
    await el.updateComplete;
    const root = el.shadowRoot!;
    const input = root.querySelector<HTMLInputElement>('#room-password')!;
    assert.equal(input.getAttribute('aria-invalid'), 'true');
    const error = root.getElementById(input.getAttribute('aria-describedby')!)!;
    assert.equal(error.getAttribute('role'), 'alert');
    assert.include(error.textContent!, 'That password is wrong');
    assert.isTrue(root.querySelector('dialog')!.open);
    assert.equal(deepActive(), input);
    assert.isFalse(root.querySelector<HTMLButtonElement>('button[type="submit"]')!.disabled);
  });

  test('Cancel and Escape close the prompt (cancel-room-password), sending no password', async () => {
    const el = await mountPrompt();
    const cancelled = nextCommand(el);
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Cancel')!.click();
    assert.deepEqual(await cancelled, { type: 'cancel-room-password' });
    const escaped = nextCommand(el);
    el.shadowRoot!.querySelector<HTMLInputElement>('#room-password')!.focus();
    await sendKeys({ press: 'Escape' });
    assert.deepEqual(await escaped, { type: 'cancel-room-password' });
  });

  test('an empty password is not sent', async () => {
    const el = await mountPrompt();
    let sent = false;
    el.addEventListener('room-password', () => (sent = true));
    el.shadowRoot!.querySelector('form')!.requestSubmit();
    await el.updateComplete;
    assert.isFalse(sent);
  });
});

suite('parley-password-groups', () => {
  teardown(() => document.querySelectorAll('parley-password-groups').forEach((e) => e.remove()));

  test('"Set password…" opens a labelled field; Set sends set-room-password and the answer is shown as status', async () => {
    const el = document.createElement('parley-password-groups');
    el.roomId = 'vault';
    el.groups = ['password'];
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    root.querySelector<HTMLButtonElement>('[aria-label="Set password… of password"]')!.click();
    await el.updateComplete;
    const input = root.querySelector<HTMLInputElement>('#group-password')!;
    assert.equal(input.labels![0]!.textContent, 'New password for “password”');
    input.value = 'open sesame';
    const sent = nextCommand(el);
    [...root.querySelectorAll('button')].find((b) => b.textContent === 'Set')!.click();
    assert.deepEqual(await sent, { type: 'set-room-password', roomId: 'vault', group: 'password', password: 'open sesame' });
    el.result = { requestId: 1, roomId: 'vault', group: 'password', status: 'done', message: '', cleared: false };
    await el.updateComplete;
    assert.include(root.querySelector('#password-status')!.textContent!, 'The password of “password” is set');
    el.result = { requestId: 2, roomId: 'vault', group: 'password', status: 'failed', message: 'You may not edit permissions in “Vault”', cleared: false };
    await el.updateComplete;
    assert.include(root.querySelector('#password-status')!.textContent!, 'was not changed: You may not edit permissions');
  });

  test('"Clear the password" sends an empty password; no password groups shows a hint', async () => {
    const el = document.createElement('parley-password-groups');
    el.roomId = 'vault';
    el.groups = ['password'];
    document.body.append(el);
    await el.updateComplete;
    el.shadowRoot!.querySelector<HTMLButtonElement>('[aria-label="Set password… of password"]')!.click();
    await el.updateComplete;
    const sent = nextCommand(el);
    [...el.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent === 'Clear the password')!.click();
    assert.deepEqual(await sent, { type: 'set-room-password', roomId: 'vault', group: 'password', password: '' });
    el.groups = [];
    await el.updateComplete;
    assert.include(el.shadowRoot!.textContent!, 'No password groups here');
  });
});
