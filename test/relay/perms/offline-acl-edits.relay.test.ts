/**
 * Permission edits made offline, in conflict, on a real relay (issue 15,
 * "Signed, offline-capable edits"). Two editors sign ACL ops against the same
 * state without sending them, then reconnect in turn:
 * - the admin takes back the editor's `edit-perms` and writes rule `sharedrl`;
 * - the editor (allowed `edit-perms` on /Annex by a key rule at signing
 *   time) rewrites rule `sharedrl` and adds rule `mineonly`.
 * Each op is judged at the state it arrives at: the editor's edits arrive
 * after the grant is gone, so both are refused with the deciding step and
 * change nothing, and every replica ends equal to the relay's tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRule, setOf } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { toHex } from '../../../proto/bytes.ts';
import { ErrorCode } from '../../../proto/index.ts';
import * as Y from 'yjs';
import { connectClient, generateKey, rawPublicKeyOf } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const rule = (id: string, r: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r });

describe('conflicting offline permission edits', () => {
  let started: StartedRelay;
  let admin: OpClient;
  let editor: OpClient;
  let watcher: OpClient;

  beforeAll(async () => {
    started = await startRelay({ serverName: 'Offline ACL relay', guests: 'allow' });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    editor = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Editor', key: generateKey() }));
    watcher = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
    await Promise.all([admin.sync(), editor.sync(), watcher.sync()]);
  });
  afterAll(async () => {
    for (const c of [admin, editor, watcher]) await c?.client.close();
    await started?.cleanup();
  });

  it('each edit is judged at the state it arrives at; refused edits change nothing and replicas converge', async () => {
    const create = await admin.run({ kind: 'room.create', args: { roomId: 'annex', parentId: 'root', name: 'Annex', index: 0, description: '', userLimit: 0 } });
    expect(create.code).toBe(ErrorCode.UNSPECIFIED);
    const grant = rule('editgrant', { who: { kind: 'key', keyHex: toHex(rawPublicKeyOf(editor.client.key)) }, allow: setOf('edit-perms') });
    expect((await admin.run({ kind: 'acl.rule.put', args: { roomId: 'annex', rule: encodeRule(grant) } })).code).toBe(ErrorCode.UNSPECIFIED);
    await expect.poll(() => editor.rooms().get('annex')?.acl.rules.map((r) => r.id)).toEqual(['editgrant']);

    // Both go offline and sign against the same state.
    const adminShared = rule('sharedrl', { deny: setOf('speak') });
    const adminOps = [admin.sign({ kind: 'acl.rule.delete', args: { roomId: 'annex', ruleId: 'editgrant' } }), admin.sign({ kind: 'acl.rule.put', args: { roomId: 'annex', rule: encodeRule(adminShared) } })];
    const editorOps = [
      editor.sign({ kind: 'acl.rule.put', args: { roomId: 'annex', rule: encodeRule(rule('sharedrl', { allow: setOf('speak') })) } }),
      editor.sign({ kind: 'acl.rule.put', args: { roomId: 'annex', rule: encodeRule(rule('mineonly', { deny: setOf('text') })) } }),
    ];

    // The admin syncs first, then the editor.
    expect((await admin.submit(adminOps)).map((r) => r.code)).toEqual([ErrorCode.UNSPECIFIED, ErrorCode.UNSPECIFIED]);
    const refused = await editor.submit(editorOps);
    expect(refused.map((r) => r.code)).toEqual([ErrorCode.OP_FORBIDDEN, ErrorCode.OP_FORBIDDEN]);
    for (const r of refused) expect(r.denial).toMatchObject({ permission: 'edit-perms', roomId: 'annex' });

    // Every replica converges on the relay's tree: the admin's rule, nothing of the editor's.
    for (const c of [admin, editor, watcher]) {
      await expect.poll(() => c.rooms().get('annex')?.acl.rules).toEqual([adminShared]);
    }
    expect(Y.encodeStateVector(editor.doc)).toEqual(Y.encodeStateVector(watcher.doc));
    await watcher.client.ping();
  });
});
