/// <reference types="mocha" />
import { assert } from 'chai';
import '../../../../client/ui/index.ts';
import type { InspectEvent, ParleyRoomList, ParleyTreeStatus } from '../../../../client/ui/index.ts';
import { errorText } from '../../../../client/ui/error-text.ts';
import { denialOf } from '../../../../client/session/perms/denial.ts';
import { ErrorCode } from '../../../../proto/index.ts';
import { permRooms } from './fixture.ts';

suite('"Why can\'t I…?"', () => {
  teardown(() => document.querySelectorAll('parley-tree-status, parley-room-list').forEach((e) => e.remove()));

  test('a refusal with its deciding rule reads as a sentence naming the rule and where it is', () => {
    const denial = denialOf({ denial: { permission: 'speak', roomId: 'talk', ruleId: 'r-guests1' } })!;
    assert.equal(errorText({ code: 'permission-denied', untilMs: null, denial }, permRooms), 'You may not speak in “Talk”: denied by ‘guests: no speak’ on /Events, inherited from the parent.');
    assert.equal(errorText({ code: 'permission-denied', untilMs: null, denial: { ...denial, ruleId: '' } }, permRooms), 'You may not speak in “Talk” (no rule allows it).');
    assert.equal(errorText({ code: 'permission-denied', untilMs: null, denial: { ...denial, ruleId: 'gone1234' } }, permRooms), 'You may not speak in “Talk”: denied by rule gone1234.');
    // Bad details from the wire are dropped, never shown.
    assert.isNull(denialOf({ denial: { permission: 'fly', roomId: 'talk', ruleId: '' } }));
    assert.isNull(denialOf({ denial: { permission: 'speak', roomId: '', ruleId: '' } }));
    assert.isNull(denialOf({}));
  });

  test('a refused change by permissions has a "Why?" button that opens the inspector on that room and permission', async () => {
    const el = document.createElement('parley-tree-status') as ParleyTreeStatus;
    el.refused = [{ opIdHex: 'cd', what: 'Rename “Talk” to “Chat”', why: 'you may not edit the room in “Talk”', code: ErrorCode.OP_FORBIDDEN, denial: { permission: 'edit-room', roomId: 'talk', ruleId: '' } }];
    document.body.append(el);
    await el.updateComplete;
    const asked: InspectEvent[] = [];
    el.addEventListener('inspect', (e) => asked.push(e));
    const why = el.shadowRoot!.querySelector('button[aria-label="Why? Rename “Talk” to “Chat”"]') as HTMLButtonElement;
    why.click();
    assert.deepEqual(asked.map((e) => [e.roomId, e.permission, e.choice]), [['talk', 'edit-room', 'self']]);
  });

  test('a suppressed speaker is shown as such, with an accessible label', async () => {
    const el = document.createElement('parley-room-list') as ParleyRoomList;
    el.rooms = permRooms;
    el.users = [{ sessionId: 7, publicKeyHex: 'c'.repeat(64), displayName: 'Cy', roomId: 'talk', muted: false, deafened: false, role: 'guest', suppressed: true }];
    document.body.append(el);
    await el.updateComplete;
    const li = el.shadowRoot!.querySelector('[data-session-id="7"]')!;
    assert.equal(li.getAttribute('aria-label'), 'Cy, suppressed: may not speak in this room');
    assert.equal(li.querySelector('.flag.suppressed')!.textContent, 'suppressed');
  });
});
