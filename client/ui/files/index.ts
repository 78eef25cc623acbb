/** File sharing UI, loaded lazily (`import('./files/index.ts')`) when a file first shows in chat. */
export { ParleyFileCard } from './parley-file-card.ts';
export { ParleyFileStorage } from './parley-file-storage.ts';
export { ParleyFileOutgoing } from './parley-file-outgoing.ts';
export { formatBytes, formatSeconds } from './file-format.ts';
