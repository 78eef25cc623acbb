/**
 * `--print-config`: the effective configuration as a TOML file an admin can
 * save and start from, each line saying where its value came from. Secrets
 * are redacted; unset settings are listed as comments.
 */
import { stringify } from 'smol-toml';
import type { ResolvedConfig } from './resolve.ts';
import { OPTION_KEYS, specOf } from './schema.ts';

/** Placeholder printed instead of a secret. */
export const REDACTED = '(redacted)';

/** TOML text of `resolved`, secrets replaced by {@link REDACTED}. */
export function formatConfig(resolved: ResolvedConfig): string {
  const lines = ['# Effective Parley relay configuration (flags > environment > file > defaults).'];
  for (const key of OPTION_KEYS) {
    const spec = specOf(key);
    const value = resolved.config[key];
    if (value === undefined) {
      lines.push(`# ${key} = (unset; ${spec.kind.allowed})`);
      continue;
    }
    const shown = spec.secret ? REDACTED : value;
    lines.push(`${stringify({ [key]: shown }).trim()}  # ${resolved.origin[key]}`);
  }
  return `${lines.join('\n')}\n`;
}
