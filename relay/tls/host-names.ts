/**
 * The names and addresses a relay is reached by, when the admin gives none
 * (`--public-host`): the machine's host name, its non-internal addresses,
 * and localhost with its loopback addresses.
 */
import { hostname, networkInterfaces } from 'node:os';

/** Host name, non-internal interface addresses (link-local IPv6 left out), localhost, 127.0.0.1, ::1. */
export function defaultPublicHosts(): string[] {
  const hosts = new Set<string>();
  const name = hostname().trim().toLowerCase();
  if (name !== '' && /^[a-z0-9.-]+$/.test(name)) hosts.add(name);
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80')) continue;
      hosts.add(a.address);
    }
  }
  for (const h of ['localhost', '127.0.0.1', '::1']) hosts.add(h);
  return [...hosts];
}
