/** Public surface of keys/: identity signer, storage, backups and fingerprints. */
export * from './signer.ts';
export * from './fingerprint.ts';
export * from './identity-store.ts';
export * from './backup.ts';
export { SEED_BYTES } from './seed.ts';
export * from './public-key.ts';
