/// <reference types="mocha" />
import { assert } from 'chai';
import { sendKeys, setViewport } from '@web/test-runner-commands';
import '../../../../client/ui/files/index.ts';
import type { ParleyFileStorage } from '../../../../client/ui/files/index.ts';
import { FileCommandEvent } from '../../../../client/ui/file-events.ts';
import type { FileCommand, FilesStorageView } from '../../../../client/session/index.ts';

const MB = 1024 * 1024;
const A = 'aa'.repeat(16);
const B = 'bb'.repeat(16);

const view = (extra: Partial<FilesStorageView> = {}): FilesStorageView => ({
  usedBytes: 30 * MB,
  quotaBytes: 100 * MB,
  kind: 'opfs',
  browserUsage: 42 * MB,
  browserQuota: 10 * 1024 * MB,
  files: [
    { fileId: A, name: 'talk <i>slides</i>.pdf', bytes: 20 * MB, own: false, seeding: true, complete: true },
    { fileId: B, name: null, bytes: 10 * MB, own: false, seeding: false, complete: false },
  ],
  autoImageBytes: 5 * MB,
  relayOnly: false,
  turnOffered: false,
  hideAddress: false,
  problem: null,
  ...extra,
});

async function mount(v: FilesStorageView): Promise<{ el: ParleyFileStorage; commands: FileCommand[] }> {
  const el = document.createElement('parley-file-storage');
  el.view = v;
  const commands: FileCommand[] = [];
  el.addEventListener(FileCommandEvent.type, (e) => commands.push((e as FileCommandEvent).command));
  document.body.append(el);
  await el.updateComplete;
  return { el, commands };
}

const root = (el: HTMLElement): ShadowRoot => el.shadowRoot!;
const button = (el: HTMLElement, name: string): HTMLButtonElement => {
  const b = [...root(el).querySelectorAll('button')].find((x) => x.getAttribute('aria-label') === name);
  assert.exists(b, `button named ${name}`);
  return b!;
};

suite('parley-file-storage', () => {
  teardown(() => document.body.replaceChildren());

  test('shows use, limit, the browser estimate and each file with its size, names as text', async () => {
    const { el } = await mount(view());
    const text = root(el).textContent!;
    assert.include(text, '30 MB of 100 MB used');
    assert.include(text, 'The browser reports 42 MB used by this site, of 10 GB it allows');
    assert.include(text, 'talk <i>slides</i>.pdf');
    assert.isNull(root(el).querySelector('i'));
    assert.include(text, '20 MB · downloaded, shared with others who ask');
    assert.include(text, `an earlier file (${B.slice(0, 8)})`);
    assert.include(text, '10 MB · partly downloaded');
    assert.equal(root(el).querySelector('meter')!.getAttribute('aria-label'), 'Storage used by shared files');
  });

  test('Stop seeding and Remove per file, each named after its file', async () => {
    const { el, commands } = await mount(view());
    button(el, 'Stop seeding talk <i>slides</i>.pdf').click();
    button(el, 'Remove talk <i>slides</i>.pdf from this device').click();
    button(el, `Remove an earlier file (${B.slice(0, 8)}) from this device`).click();
    assert.deepEqual(commands, [
      { type: 'file-stop-seeding', fileId: A },
      { type: 'file-remove', fileId: A },
      { type: 'file-remove', fileId: B },
    ]);
    // Not seeding: no Stop seeding button for it.
    assert.lengthOf([...root(el).querySelectorAll('button')].filter((b) => b.getAttribute('aria-label')!.startsWith('Stop seeding')), 1);
  });

  test('limit, automatic images and relay-only are labelled controls that emit commands', async () => {
    const { el, commands } = await mount(view());
    const quota = root(el).querySelector<HTMLInputElement>('#quota')!;
    assert.equal(root(el).querySelector('label[for=quota]')!.textContent, 'Storage limit (MB)');
    quota.value = '250';
    quota.dispatchEvent(new Event('change'));
    const auto = root(el).querySelector<HTMLInputElement>('#auto')!;
    assert.exists(root(el).querySelector('label[for=auto]'));
    auto.value = '2';
    auto.dispatchEvent(new Event('change'));
    const relayOnly = root(el).querySelector<HTMLInputElement>('#relay-only')!;
    assert.include(root(el).querySelector('label[for=relay-only]')!.textContent!, 'Never connect directly');
    relayOnly.click();
    assert.deepEqual(commands, [
      { type: 'file-set-quota', bytes: 250 * MB },
      { type: 'file-set-auto-image', bytes: 2 * MB },
      { type: 'file-set-relay-only', on: true },
    ]);
  });

  test('"Hide my IP address" is offered only when the relay has TURN; labelled, toggled with the keyboard, fits a phone', async () => {
    const { el: without } = await mount(view());
    assert.isNull(root(without).querySelector('#hide-address'));
    assert.notInclude(root(without).textContent!, 'Hide my IP address');
    document.body.replaceChildren();

    await setViewport({ width: 360, height: 740 });
    try {
      const { el, commands } = await mount(view({ turnOffered: true }));
      const box = root(el).querySelector<HTMLInputElement>('#hide-address')!;
      assert.exists(box);
      assert.equal(root(el).querySelector('label[for=hide-address]')!.textContent, 'Hide my IP address from other members');
      assert.include(root(el).querySelector('#hide-address-help')!.textContent!, "organisation's TURN server");
      box.focus();
      await sendKeys({ press: 'Space' });
      assert.deepEqual(commands, [{ type: 'file-set-hide-address', on: true }]);
      // Nothing wider than the phone's screen.
      assert.isAtMost(el.scrollWidth, 360);
      el.view = view({ turnOffered: true, hideAddress: true });
      await el.updateComplete;
      assert.isTrue(box.checked);
      // Left on, on a server without TURN: still shown (so it can be turned off), saying what happens instead.
      el.view = view({ turnOffered: false, hideAddress: true });
      await el.updateComplete;
      assert.isTrue(root(el).querySelector<HTMLInputElement>('#hide-address')!.checked);
      assert.include(root(el).querySelector('#hide-address-help')!.textContent!, 'files come only through the relay');
    } finally {
      await setViewport({ width: 800, height: 600 });
    }
  });

  test('full storage is explained in plain language: the user limit, and the browser refusing', async () => {
    const { el } = await mount(view({ usedBytes: 100 * MB, problem: 'quota-exceeded' }));
    assert.include(root(el).textContent!, 'limit is reached');
    assert.include(root(el).querySelector('[role=alert]')!.textContent!, 'Your storage limit for shared files is full');
    el.view = view({ problem: 'browser-quota' });
    await el.updateComplete;
    assert.include(root(el).querySelector('[role=alert]')!.textContent!, 'this device is low on space');
  });

  test('keyboard: every control is a native button or input in tab order, and focusable', async () => {
    const { el } = await mount(view());
    const controls = [...root(el).querySelectorAll<HTMLElement>('button, input')];
    assert.lengthOf(controls, 6);
    for (const c of controls) {
      assert.notEqual(c.tabIndex, -1);
      c.focus();
      assert.equal(root(el).activeElement, c);
    }
    for (const b of root(el).querySelectorAll('button')) assert.equal(b.type, 'button');
  });

  test('phone layout: at 320 px nothing overflows', async () => {
    const { el } = await mount(view({ files: [{ fileId: A, name: 'a-very-long-file-name-without-any-spaces-in-it-at-all-0123456789.bin', bytes: MB, own: false, seeding: true, complete: true }] }));
    el.style.width = '320px';
    el.style.display = 'block';
    await el.updateComplete;
    for (const li of root(el).querySelectorAll('li')) assert.isAtMost(li.scrollWidth, li.clientWidth + 1);
    assert.isAtMost(el.scrollWidth, 321);
  });
});
