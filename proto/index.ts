/** Public surface of the wire format: control envelope codec, datagrams, auth transcript. */
export * from './gen/parley_pb.ts';
export * from './codec.ts';
export * from './frame-limits.ts';
export * from './close-codes.ts';
export * from './datagram.ts';
export * from './auth-transcript.ts';
export * from './errors.ts';
export * from './invite.ts';
export * from './base64url.ts';
export * from './bytes.ts';
export * from './chat-signing.ts';
export * from './chat.ts';
export * from './name-rules.ts';
export * from './paging.ts';
export * from './sync-chunks.ts';
