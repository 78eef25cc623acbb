/**
 * The relay CA's download and install page: `GET /ca.crt` (the CA
 * certificate) and `GET /ca` (plain install steps per OS and browser). Both
 * are public: a CA certificate is not a secret.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Path of the install page. */
export const CA_PAGE_PATH = '/ca';
/** Path of the CA certificate download. */
export const CA_CERT_PATH = '/ca.crt';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The install page for a CA whose SHA-256 fingerprint is `fingerprint` and that may vouch for `names`. */
export function caPageHtml(fingerprint: string, names: readonly string[]): string {
  const fp = escapeHtml(fingerprint);
  return `<!doctype html>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Trust this Parley relay</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}code{word-break:break-all}</style>
<h1>Trust this Parley relay</h1>
<p>This relay signs its own HTTPS certificate. Install its certificate authority once on each device, and the
page becomes a trusted secure page: voice, the offline shell and installing the app all work, without warnings.</p>
<p>The authority can only vouch for this relay's names: <code>${names.map(escapeHtml).join(', ')}</code>. It cannot
be used for any other site.</p>
<p><a href="${CA_CERT_PATH}" download="parley-relay-ca.crt"><strong>Download the certificate (parley-relay-ca.crt)</strong></a></p>
<p>Before trusting it, check that its SHA-256 fingerprint is the one your admin gave you:<br><code>${fp}</code></p>
<h2>Windows (Chrome, Edge)</h2>
<ol><li>Open the downloaded file, choose <em>Install Certificate…</em>, <em>Current User</em>.</li>
<li>Choose <em>Place all certificates in the following store</em>, <em>Browse…</em>, <em>Trusted Root Certification Authorities</em>, then finish.</li>
<li>Restart the browser.</li></ol>
<h2>macOS (Safari, Chrome)</h2>
<ol><li>Open the downloaded file; Keychain Access adds it to the <em>login</em> keychain.</li>
<li>Double-click <em>Parley relay CA</em>, open <em>Trust</em>, set <em>When using this certificate</em> to <em>Always Trust</em>.</li></ol>
<h2>Linux (Chrome, Chromium)</h2>
<ol><li>Settings → Privacy and security → Security → Manage certificates → <em>Authorities</em> (or <em>Custom → Installed by you</em>) → Import.</li>
<li>Choose the file and tick <em>Trust this certificate for identifying websites</em>.</li></ol>
<p>From a terminal instead: <code>certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n parley-relay -i parley-relay-ca.crt</code> (package <code>libnss3-tools</code>).</p>
<h2>Firefox (every OS)</h2>
<ol><li>Settings → Privacy &amp; Security → Certificates → <em>View Certificates…</em> → <em>Authorities</em> → <em>Import…</em></li>
<li>Tick <em>Trust this CA to identify websites</em>.</li></ol>
<h2>Android</h2>
<ol><li>Settings → Security → <em>Encryption &amp; credentials</em> → <em>Install a certificate</em> → <em>CA certificate</em>, then pick the file.</li></ol>
<h2>iPhone, iPad</h2>
<ol><li>Open this page in Safari and download the file; allow the profile.</li>
<li>Settings → General → <em>VPN &amp; Device Management</em> → install the profile.</li>
<li>Settings → General → About → <em>Certificate Trust Settings</em> → turn on <em>Parley relay CA</em>.</li></ol>
<p><a href="/">Back to Parley</a></p>
`;
}

/** Serves `/ca` and `/ca.crt` for GET/HEAD; false for any other request (the caller handles it). */
export function serveCaPage(req: IncomingMessage, res: ServerResponse, ca: { readonly certPem: string; readonly fingerprint: string; readonly names: readonly string[] }): boolean {
  const path = (req.url ?? '').split(/[?#]/, 1)[0];
  if ((path !== CA_PAGE_PATH && path !== CA_CERT_PATH) || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
  const body = path === CA_CERT_PATH ? ca.certPem : caPageHtml(ca.fingerprint, ca.names);
  res.writeHead(200, {
    'Content-Type': path === CA_CERT_PATH ? 'application/x-x509-ca-cert' : 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
