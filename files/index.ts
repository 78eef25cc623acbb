/** Pure file-swarm logic shared by the browser and node peers (issue 16). */
export { SwarmReceiver, chunkHashes } from './swarm-receiver.ts';
export type { PieceOutcome } from './swarm-receiver.ts';
export { DEFAULT_SEED_COPIES, SuperSeeder } from './super-seeder.ts';
