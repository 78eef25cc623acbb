/** Pure file-swarm logic shared by the browser and node peers (issue 16). */
export { SwarmReceiver, chunkHashes } from './swarm-receiver.ts';
export type { PieceOutcome } from './swarm-receiver.ts';
export { DEFAULT_SEED_COPIES, SuperSeeder } from './super-seeder.ts';
export { SwarmMember } from './swarm-member.ts';
export { ANNOUNCE_INTERVAL_MS, HAVE_INTERVAL_MS, MAX_PIECE_BYTES, WINDOW_PER_PEER } from './swarm-ports.ts';
export type { PeerJoin, SwarmCounters, SwarmMemberOptions, SwarmPorts, WireIn, WireOut } from './swarm-ports.ts';
export { REASK_FIRST_MS, REASK_MAX_MS, TrackerAsker } from './tracker-asker.ts';
export { systemClock } from './swarm-clock.ts';
export type { SwarmClock } from './swarm-clock.ts';
