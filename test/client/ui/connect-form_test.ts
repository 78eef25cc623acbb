/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ConnectRequestEvent, ParleyConnectForm } from '../../../client/ui/index.ts';

suite('parley-connect-form', () => {
  teardown(() => document.querySelectorAll('parley-connect-form').forEach((e) => e.remove()));

  test('submits the trimmed name and password and remembers the name', async () => {
    localStorage.removeItem('parley.displayName');
    const el = document.createElement('parley-connect-form') as ParleyConnectForm;
    document.body.append(el);
    await el.updateComplete;
    const got: Array<[string, string]> = [];
    el.addEventListener('connect-request', (e: ConnectRequestEvent) => got.push([e.displayName, e.password]));
    const root = el.shadowRoot!;
    (root.querySelector('#name') as HTMLInputElement).value = '  Ana  ';
    (root.querySelector('#password') as HTMLInputElement).value = 's3cret';
    (root.querySelector('button[type="submit"]') as HTMLButtonElement).click();
    assert.deepEqual(got, [['Ana', 's3cret']]);
    assert.equal(localStorage.getItem('parley.displayName'), 'Ana');
  });

  test('shows the error as an alert and labels every input', async () => {
    const el = document.createElement('parley-connect-form') as ParleyConnectForm;
    el.error = 'Wrong server password.';
    document.body.append(el);
    await el.updateComplete;
    const root = el.shadowRoot!;
    assert.equal(root.querySelector('[role="alert"]')!.textContent, 'Wrong server password.');
    for (const input of root.querySelectorAll('input')) {
      assert.isNotNull(root.querySelector(`label[for="${input.id}"]`), `label for ${input.id}`);
    }
  });
});
