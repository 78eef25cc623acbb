/**
 * Ready-made ACLs for the common rooms, as plain functions returning a
 * RoomAcl the editor shows before saving (nothing is applied behind anyone's
 * back). Rule ids are fixed per preset so re-applying one replaces its rules
 * instead of piling up copies.
 */
import type { GroupDef, RoomAcl, Rule } from './model.ts';
import { setOf } from './permission.ts';

/** What being inside a room takes (entering and everything done once in). */
const ROOM_USE = setOf('enter', 'speak', 'whisper', 'text', 'share-files');

function rule(id: string, label: string, r: Pick<Rule, 'who'> & Partial<Rule>): Rule {
  return { id, label, where: 'anywhere', allow: 0, deny: 0, here: true, subs: true, ...r };
}

/** Open room: starts again from the defaults (everyone sees, enters, speaks, texts), whatever the rooms above say. */
export function openRoom(): RoomAcl {
  return { inherit: false, rules: [], groups: [] };
}

/** Members only: guests see the room but cannot enter, speak, text or share files in it or below. */
export function membersOnly(): RoomAcl {
  return { inherit: true, groups: [], rules: [rule('preset-members', 'guests: members only', { who: { kind: 'guests' }, deny: ROOM_USE })] };
}

/** Admins only: hidden from everyone but admins (who hold everything), with its sub-rooms. */
export function adminsOnly(): RoomAcl {
  return { inherit: true, groups: [], rules: [rule('preset-admins', 'everyone: hidden (admins only)', { who: { kind: 'everyone' }, deny: setOf('see') })] };
}

/** Briefing room: everyone may enter and listen; only the listed identities (the "speakers" group) speak. */
export function briefingRoom(speakerKeys: readonly string[]): RoomAcl {
  const speakers: GroupDef = { name: 'speakers', inherit: false, inheritable: false, add: [...speakerKeys], remove: [] };
  return {
    inherit: true,
    groups: [speakers],
    rules: [
      rule('preset-listen', 'everyone: listen only', { who: { kind: 'everyone' }, deny: setOf('speak', 'whisper'), subs: false }),
      rule('preset-speak', 'speakers: speak', { who: { kind: 'group', name: 'speakers' }, allow: setOf('speak', 'whisper'), subs: false }),
    ],
  };
}

/**
 * Password room (Mumble's model): everyone sees it, only holders of the
 * room's password (the relay checks it against its own hash and admits them
 * to the "password" group) may enter and use it. The password itself is set
 * through the relay, never in this ACL.
 */
export function passwordRoom(): RoomAcl {
  const holders: GroupDef = { name: 'password', inherit: false, inheritable: false, add: [], remove: [], password: true };
  return {
    inherit: true,
    groups: [holders],
    rules: [
      rule('preset-locked', 'everyone: password needed', { who: { kind: 'everyone' }, deny: ROOM_USE, subs: false }),
      rule('preset-unlock', 'password holders: enter', { who: { kind: 'group', name: 'password' }, allow: ROOM_USE, subs: false }),
    ],
  };
}

/** The presets by name, for the editor's menu. `briefing` takes the speakers' keys. */
export const PRESETS = {
  open: { label: 'Open room', make: openRoom },
  members: { label: 'Members only', make: membersOnly },
  admins: { label: 'Admins only', make: adminsOnly },
  briefing: { label: 'Briefing room (listed people speak, the rest listen)', make: briefingRoom },
  password: { label: 'Password room', make: passwordRoom },
} as const;
