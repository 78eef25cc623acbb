/**
 * What certificate a TLS server presents to a new connection, and the
 * verdict of a client that trusts only `ca`.
 */
import { connect } from 'node:tls';

/** The leaf a fresh TLS connection to `port` sees, and whether a client trusting `ca` accepts it for `servername`. */
export function probeTls(port: number, options: { ca?: string; servername?: string } = {}): Promise<{ fingerprint256: string; authorized: boolean; error: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername: options.servername ?? 'localhost', rejectUnauthorized: false, ...(options.ca ? { ca: options.ca } : {}) }, () => {
      const cert = socket.getPeerCertificate();
      const authError = socket.authorizationError;
      resolve({ fingerprint256: cert.fingerprint256, authorized: socket.authorized, error: authError ? String(authError) : undefined });
      socket.end();
    });
    socket.once('error', reject);
  });
}
