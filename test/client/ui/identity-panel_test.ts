/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyIdentityPanel, RenameEvent } from '../../../client/ui/index.ts';
import { createIdentityActions } from '../../../client/identity-actions.ts';
import { forgetIdentity, loadIdentity, toHex } from '../../../keys/index.ts';

const backup = { iterations: 100_000 };

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25)); // waits on purpose: the poll interval of a condition wait (fails after 5 s)
  assert.isTrue(check(), what);
}

suite('parley-identity-panel', () => {
  const dbName = `parley-panel-${Math.random().toString(36).slice(2)}`;
  let reloads = 0;
  teardown(async () => {
    document.querySelectorAll('parley-identity-panel').forEach((e) => e.remove());
    await forgetIdentity(dbName);
    await forgetIdentity(`${dbName}-other`);
  });

  async function mount(name = dbName): Promise<{ el: ParleyIdentityPanel; root: ShadowRoot }> {
    reloads = 0;
    const identity = await loadIdentity({ dbName: name, backup });
    const el = document.createElement('parley-identity-panel');
    el.fingerprint = 'abcd-efgh-ijkl-mnop';
    el.displayName = 'Ana';
    el.actions = createIdentityActions(identity, { dbName: name, backup, reload: () => reloads++ });
    document.body.append(el);
    await el.updateComplete;
    return { el, root: el.shadowRoot! };
  }

  const input = (root: ShadowRoot, id: string): HTMLInputElement => root.querySelector(`#${id}`) as HTMLInputElement;
  const button = (root: ShadowRoot, text: string): HTMLButtonElement =>
    [...root.querySelectorAll('button')].find((b) => b.textContent!.trim().startsWith(text)) as HTMLButtonElement;

  test('shows the fingerprint, asks for a backup of a new key, and labels every input', async () => {
    const { root } = await mount();
    assert.include(root.querySelector('.fp code')!.textContent, 'abcd-efgh-ijkl-mnop');
    assert.equal(root.querySelector('[data-status]')!.getAttribute('data-status'), 'needed');
    for (const i of root.querySelectorAll('input')) assert.isNotNull(root.querySelector(`label[for="${i.id}"]`), `label for ${i.id}`);
  });

  test('changing the name fires rename with the trimmed name', async () => {
    const { el, root } = await mount();
    const got: string[] = [];
    el.addEventListener('rename', (e: RenameEvent) => got.push(e.displayName));
    input(root, 'display-name').value = '  Bea ';
    button(root, 'Change name').click();
    assert.deepEqual(got, ['Bea']);
  });

  test('a name of only invisible or bidi-control characters is refused with a message, no rename', async () => {
    const { el, root } = await mount();
    const got: string[] = [];
    el.addEventListener('rename', (e: RenameEvent) => got.push(e.displayName));
    for (const bad of ['\u200b\u200d', '\u3164', 'Ana\u202e', '\u2066x\u2069']) {
      input(root, 'display-name').value = bad;
      button(root, 'Change name').click();
      await el.updateComplete;
      assert.include(root.querySelector('[role="alert"]')!.textContent, 'visible character');
    }
    assert.deepEqual(got, []);
  });

  test('backup: different passphrases are refused; a good one downloads and the status becomes saved', async () => {
    const { el, root } = await mount();
    input(root, 'backup-pass').value = 'a long passphrase';
    input(root, 'backup-pass2').value = 'another one here';
    button(root, 'Download encrypted backup').click();
    await el.updateComplete;
    assert.include(root.querySelector('[role="alert"]')!.textContent, 'differ');
    input(root, 'backup-pass2').value = 'a long passphrase';
    button(root, 'Download encrypted backup').click();
    await until(() => root.querySelector('[data-status]')?.getAttribute('data-status') === 'saved', 'status saved');
    assert.include(root.querySelector('[role="status"]')!.textContent, 'Backup downloaded');
  });

  test('import with a wrong passphrase shows a clear error and does not reload; the right one imports and reloads', async () => {
    const source = await loadIdentity({ dbName: `${dbName}-other`, backup });
    const text = await source.exportBackup('the right passphrase');
    const { el, root } = await mount();
    const dt = new DataTransfer();
    dt.items.add(new File([text], 'backup.json', { type: 'application/json' }));
    input(root, 'import-file').files = dt.files;
    input(root, 'import-pass').value = 'the wrong passphrase';
    button(root, 'Import').click();
    await until(() => root.querySelector('[role="alert"]') !== null, 'error shown');
    assert.include(root.querySelector('[role="alert"]')!.textContent, 'Wrong passphrase. Nothing was changed.');
    assert.equal(reloads, 0);
    input(root, 'import-pass').value = 'the right passphrase';
    button(root, 'Import').click();
    await until(() => reloads === 1, 'reload after import');
    await el.updateComplete;
    assert.equal(toHex((await loadIdentity({ dbName, backup })).signer.publicKey), toHex(source.signer.publicKey));
  });

  test('reset needs a confirmation; cancel keeps the key, confirm forgets it and reloads', async () => {
    const { el, root } = await mount();
    const before = toHex((await loadIdentity({ dbName, backup })).signer.publicKey);
    button(root, 'Forget this identity').click();
    await el.updateComplete;
    assert.isNotNull(root.querySelector('[role="alertdialog"]'));
    button(root, 'Cancel').click();
    await el.updateComplete;
    assert.isNull(root.querySelector('[role="alertdialog"]'));
    assert.equal(reloads, 0);
    button(root, 'Forget this identity').click();
    await el.updateComplete;
    button(root, 'Forget identity').click();
    await until(() => reloads === 1, 'reload after reset');
    assert.notEqual(toHex((await loadIdentity({ dbName, backup })).signer.publicKey), before);
  });
});
