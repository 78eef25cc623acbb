/**
 * Wires the room tree store into a session: its view goes into `State.tree`
 * and its rooms (only there, not also in `State.tree`) into `State.rooms` through the session's single `#set`, so
 * session.ts only forwards messages and commands. This is the one writer of
 * `State.rooms`: the sign-in reply carries no room list (docs/PROTOCOL.md).
 */
import { verifyEd25519 } from '../../../keys/index.ts';
import { memoryTreeCache, RoomTreeStore } from './index.ts';
import type { TreeCache } from './index.ts';
import type { State } from '../state.ts';
import type { Signer } from '../../../keys/index.ts';

/** What the link needs from its session. */
export interface TreeLinkDeps {
  readonly deps: { readonly signer: Signer; readonly treeCache?: TreeCache; readonly now?: () => number; readonly setTimer?: (fn: () => void, ms: number) => unknown; readonly clearTimer?: (handle: unknown) => void };
  readonly state: () => State;
  readonly update: (next: State) => void;
}

/** Builds the session's tree store and starts loading its cache. */
export function createTreeLink({ deps, state, update }: TreeLinkDeps): RoomTreeStore {
  const tree = new RoomTreeStore({
    cache: deps.treeCache ?? memoryTreeCache(),
    signer: deps.signer,
    now: deps.now ?? (() => Date.now()),
    verify: verifyEd25519,
    ...(deps.setTimer ? { setTimer: deps.setTimer } : {}),
    ...(deps.clearTimer ? { clearTimer: deps.clearTimer } : {}),
    onChange: (view, rooms) => {
      const s = state();
      update({ ...s, tree: view, rooms });
    },
  });
  tree.open().catch((e: unknown) => console.error('room tree cache failed to load', e));
  return tree;
}
