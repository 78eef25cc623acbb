/** The README's settings table, generated from the schema (a test keeps the README in step). */
import { OPTION_KEYS, specOf } from './schema.ts';

/** Markdown table: flag, environment variable, file key, allowed values, default, meaning. */
export function settingsTable(): string {
  const rows = OPTION_KEYS.map((key) => {
    const spec = specOf(key);
    const flag = spec.kind.bare ? `\`--${key}\`` : `\`--${key} V\``;
    const def = 'default' in spec ? `\`${String(spec.default)}\`` : '-';
    return `| ${flag} | \`${spec.env}\` | \`${key}\` | ${spec.kind.allowed} | ${def} | ${spec.secret ? '(secret) ' : ''}${spec.help} |`;
  });
  return ['| Flag | Environment | File key | Allowed | Default | Meaning |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
