/** Why a configuration was refused at start-up: one line naming the key, the value and what is allowed. */

/** `unknown-key`: a file key no option has; `bad-value`: a value its kind refuses; `bad-file`: unreadable or not TOML/JSON. */
export type ConfigErrorCode = 'unknown-key' | 'bad-value' | 'bad-file';

/** A refused configuration. `message` is the one line to print; it never holds a secret's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
    readonly key: string | undefined,
  ) {
    super(message);
  }
}

/** Shows a refused value safely: quoted, control characters escaped, long ones cut, secrets hidden. */
export function showValue(value: unknown, secret: boolean): string {
  if (secret) return '(secret, not shown)';
  const text = typeof value === 'string' ? JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value) : typeof value === 'object' ? JSON.stringify(value)?.slice(0, 80) ?? String(value) : String(value);
  return text.replace(/[\p{Cc}]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
