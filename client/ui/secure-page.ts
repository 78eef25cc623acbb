/**
 * Why this page cannot have voice or the offline shell, in plain words, from
 * what the browser says about it: the microphone needs a secure context
 * (HTTPS, or localhost), and a service worker also needs a certificate the
 * browser trusts (a click-through warning is not enough).
 */

/** What the page knows about how it was opened. */
export interface PageSecurity {
  /** `window.isSecureContext`. */
  readonly secure: boolean;
  /** The page was loaded over `https:`. */
  readonly https: boolean;
  /** Registering the service worker failed (an untrusted certificate refuses it). */
  readonly offlineRefused: boolean;
}

/** Text for an insecure page: voice is unavailable and which relay flag fixes it. */
export const INSECURE_PAGE_TEXT =
  'Voice needs HTTPS. This page was opened over plain HTTP from another machine, so the browser will not give it the microphone: you can listen and chat, but not talk. Ask the relay’s admin to start it with --tls ca (or --tls self-signed, or a real certificate with --tls-cert or --acme), then open its https:// address.';

/** Text for a secure page whose certificate the browser does not trust (self-signed). */
export const UNTRUSTED_CERT_TEXT =
  'Voice works, but this browser does not trust the relay’s certificate, so the offline shell and installing the app are unavailable. They need the relay started with --tls ca (then install its certificate) or a real certificate.';

/** The notice to show, or null on a page with nothing missing. */
export function pageSecurityNotice(page: PageSecurity): string | null {
  if (!page.secure) return INSECURE_PAGE_TEXT;
  if (page.https && page.offlineRefused) return UNTRUSTED_CERT_TEXT;
  return null;
}
