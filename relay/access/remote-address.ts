/**
 * The address a connection comes from, for lock-outs and logs. The socket's
 * peer address is the truth; `X-Forwarded-For` is believed only when the
 * operator says a reverse proxy sits in front (`trustProxy`), and then only
 * its last entry: the one that proxy appended itself.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** `::ffff:1.2.3.4` and `1.2.3.4` are one IPv4 client. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase();
}

/** The client address of an upgrade request. */
export function remoteAddress(req: IncomingMessage, trustProxy: boolean): string {
  const socketAddress = normalizeAddress(req.socket.remoteAddress ?? 'unknown');
  if (!trustProxy) return socketAddress;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return socketAddress;
  const last = value.split(',').map((s) => s.trim()).filter(Boolean).pop();
  return last && isIP(last) ? normalizeAddress(last) : socketAddress;
}
