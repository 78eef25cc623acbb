import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../proto/index.ts';
import { bit } from '../../../perms/index.ts';
import { refusalText } from '../../../client/ui/describe-op.ts';
import type { RoomView } from '../../../client/session/tree/room-view.ts';

const room = (id: string, name: string, parentId = ''): RoomView => ({ id, name, parentId, position: 0, voiceId: 1, description: '', userLimit: 0, pending: false });
const rooms: RoomView[] = [
  room('root', 'Root'),
  { ...room('ground', 'Ground', 'root'), acl: { inherit: true, groups: [], rules: [{ id: 'r1', label: 'ground: members only', who: { kind: 'members' }, where: 'anywhere', allow: 0, deny: bit('edit-perms'), here: true, subs: true }] } },
];

describe('refusalText', () => {
  it('says a permission refusal with the denial sentence, naming the deciding rule', () => {
    const text = refusalText(ErrorCode.OP_FORBIDDEN, { permission: 'edit-perms', roomId: 'ground', ruleId: 'r1' }, rooms);
    expect(text.startsWith('you may not edit permissions in “Ground”')).toBe(true);
    expect(text).toContain('ground: members only');
    expect(text.endsWith('.')).toBe(false);
  });

  it('without a denial is neutral, never "only admins"', () => {
    expect(refusalText(ErrorCode.OP_FORBIDDEN)).toBe('the room’s permissions do not allow that');
  });
});
