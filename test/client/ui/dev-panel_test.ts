/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../client/ui/index.ts';
import type { VoiceCommandEvent } from '../../../client/ui/index.ts';

suite('parley-dev-panel', () => {
  teardown(() => document.querySelectorAll('parley-dev-panel').forEach((e) => e.remove()));

  test('edits the outgoing network simulator and shows the FEC setting', async () => {
    const el = document.createElement('parley-dev-panel');
    el.expectedLossPct = 12;
    document.body.append(el);
    await el.updateComplete;
    const seen: unknown[] = [];
    el.addEventListener('voice-command', (e: VoiceCommandEvent) => seen.push(e.command));
    const loss = el.shadowRoot!.querySelector('input[name="lossPct"]') as HTMLInputElement;
    loss.value = '10';
    loss.dispatchEvent(new Event('change', { bubbles: true }));
    assert.deepEqual(seen, [{ type: 'set-network-sim', config: { lossPct: 10 } }]);
    assert.include(el.shadowRoot!.querySelector('[role="status"]')!.textContent!, '12%');
  });
});
