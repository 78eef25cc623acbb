/**
 * WebSocket close codes both sides know by number. The relay's full list is
 * `CloseCode` in relay/connection/client-connection.ts; the ones here are those the client explains
 * to the user, so they live in the shared wire module.
 */

/**
 * The relay closed a connection that did not read what was sent to it (its
 * send buffer went over the per-connection budget, or stayed over the soft
 * mark too long). The client reconnects; the UI says the connection was too slow.
 */
export const CLOSE_SLOW_READER = 4101;
