/**
 * ACL ops on a real relay: an admin's rule edit reaches every replica's tree,
 * the edited rule changes what a guest's ops may do at once, and a refusal by
 * the permission check carries the permission, room and deciding rule in
 * OpResult.denial, with the tree unchanged and others still served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRule, setOf } from '../../../perms/index.ts';
import type { Rule } from '../../../perms/index.ts';
import { ErrorCode } from '../../../proto/index.ts';
import { connectClient, generateKey } from '../../helpers/relay-client.ts';
import { OpClient } from '../../helpers/ops.ts';
import { startRelay } from '../../helpers/start-relay.ts';
import type { StartedRelay } from '../../helpers/start-relay.ts';

const rule = (id: string, r: Partial<Rule>): Rule => ({ id, label: id, who: { kind: 'guests' }, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r });

describe('ACL ops on a real relay', () => {
  let started: StartedRelay;
  let admin: OpClient;
  let guest: OpClient;
  let watcher: OpClient;

  beforeAll(async () => {
    started = await startRelay({ serverName: 'ACL relay', guests: 'allow' });
    admin = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Admin', invite: started.relay.bootstrapInvite!, key: generateKey() }));
    guest = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Guest', key: generateKey() }));
    watcher = new OpClient(await connectClient(started.relay.wsUrl, { name: 'Watcher', key: generateKey() }));
    await Promise.all([admin.sync(), guest.sync(), watcher.sync()]);
  });
  afterAll(async () => {
    for (const c of [admin, guest, watcher]) await c?.client.close();
    await started?.cleanup();
  });

  it('a rule put by an admin reaches every replica and lets guests make rooms in the lobby only', async () => {
    const r = rule('guestsmk', { allow: setOf('make-room') , subs: false });
    expect((await admin.run({ kind: 'acl.rule.put', args: { roomId: 'lobby', rule: encodeRule(r) } })).code).toBe(ErrorCode.UNSPECIFIED);
    await expect.poll(() => watcher.rooms().get('lobby')?.acl.rules).toEqual([r]);
    expect((await guest.run({ kind: 'room.create', args: { roomId: 'corner', parentId: 'lobby', name: 'Corner', index: 0, description: '', userLimit: 0 } })).code).toBe(ErrorCode.UNSPECIFIED);
    const refused = await guest.run({ kind: 'room.create', args: { roomId: 'top', parentId: 'root', name: 'Top', index: 0, description: '', userLimit: 0 } });
    expect(refused.code).toBe(ErrorCode.OP_FORBIDDEN);
    expect(refused.denial).toMatchObject({ permission: 'make-room', roomId: 'root', ruleId: '' });
  });

  it('a refusal names the deciding rule, and the tree is unchanged for everyone', async () => {
    const deny = rule('noenter1', { deny: setOf('enter') });
    expect((await admin.run({ kind: 'acl.rule.put', args: { roomId: 'quiet', rule: encodeRule(deny) } })).code).toBe(0);
    await guest.sync();
    const join = await guest.run({ kind: 'member.join', args: { roomId: 'quiet' } });
    expect(join.code).toBe(ErrorCode.OP_FORBIDDEN);
    expect(join.denial).toMatchObject({ permission: 'enter', roomId: 'quiet', ruleId: 'noenter1' });
    const edit = await guest.run({ kind: 'acl.rule.delete', args: { roomId: 'quiet', ruleId: 'noenter1' } });
    expect(edit.denial).toMatchObject({ permission: 'edit-perms', roomId: 'quiet' });
    await watcher.sync();
    expect(watcher.rooms().get('quiet')!.acl.rules).toEqual([deny]);
    await watcher.client.ping();
  });
});
