/** Public surface of keys/: identity signer, storage and fingerprints. */
export * from './signer.ts';
export * from './fingerprint.ts';
export * from './identity-store.ts';
