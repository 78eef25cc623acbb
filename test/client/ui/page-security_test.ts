/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { ParleyPageSecurity } from '../../../client/ui/index.ts';
import { errorText } from '../../../client/ui/error-text.ts';

suite('parley-page-security', () => {
  teardown(() => document.querySelectorAll('parley-page-security').forEach((e) => e.remove()));

  async function mount(page: ParleyPageSecurity['page'], caPage: string | null = null): Promise<ShadowRoot> {
    const el = document.createElement('parley-page-security') as ParleyPageSecurity;
    el.page = page;
    el.caPage = caPage;
    document.body.append(el);
    await el.updateComplete;
    return el.shadowRoot!;
  }

  test('a plain-HTTP page says voice needs HTTPS, which flag the admin needs, and links the CA page', async () => {
    const root = await mount({ secure: false, https: false, offlineRefused: false }, 'http://parley.test/ca');
    const text = root.querySelector('p')!.textContent!;
    assert.include(text, 'Voice needs HTTPS');
    assert.include(text, '--tls ca');
    assert.equal(root.querySelector('a')!.getAttribute('href'), 'http://parley.test/ca');
  });

  test('an HTTPS page whose service worker was refused says the offline shell needs --tls ca or a real certificate', async () => {
    const root = await mount({ secure: true, https: true, offlineRefused: true });
    const text = root.querySelector('p')!.textContent!;
    assert.include(text, 'offline shell and installing');
    assert.include(text, '--tls ca');
  });

  test('a trusted page shows nothing', async () => {
    const root = await mount({ secure: true, https: true, offlineRefused: false });
    assert.isNull(root.querySelector('p'));
  });

  test('on a secure page a missing microphone keeps its own words', () => {
    // The test page (localhost) is a secure context.
    assert.isTrue(window.isSecureContext);
    assert.equal(errorText({ code: 'mic-unavailable', untilMs: null }), 'No microphone found: you can listen but not talk.');
  });
});
