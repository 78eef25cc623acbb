/**
 * Parses argv with `node:util` parseArgs, its option table built from the
 * schema: one `--key` per setting plus `--config FILE`, `--print-config` and
 * `--help`. Values stay text here; resolve.ts validates them with the rest.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError, showValue } from './config-error.ts';
import { OPTION_KEYS, isBooleanOption } from './schema.ts';
import type { OptionKey } from './schema.ts';

/** What the command line asked for. */
export interface CommandLine {
  readonly flags: Partial<Record<OptionKey, string | boolean>>;
  readonly positionals: readonly string[];
  /** `--config FILE`. */
  readonly configPath: string | undefined;
  readonly printConfig: boolean;
  readonly help: boolean;
}

const EXTRA = ['config', 'print-config', 'help'] as const;

/** Throws {@link ConfigError} (`bad-value`) for an unknown flag or a flag without its value. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const options: NonNullable<ParseArgsConfig['options']> = {
    config: { type: 'string' },
    'print-config': { type: 'boolean' },
    help: { type: 'boolean' },
  };
  for (const key of OPTION_KEYS) options[key] = { type: isBooleanOption(key) ? 'boolean' : 'string' };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (error) {
    const flag = /'(-{1,2}[^' ]+)/.exec(error instanceof Error ? error.message : '')?.[1] ?? '?';
    throw new ConfigError('bad-value', `invalid command line [flag:${showValue(flag, false)}, allowed:${[...OPTION_KEYS, ...EXTRA].map((k) => `--${k}`).join(' ')}]`, flag.replace(/^-+/, ''));
  }
  const flags: Partial<Record<OptionKey, string | boolean>> = {};
  for (const key of OPTION_KEYS) {
    const v = parsed.values[key];
    if (typeof v === 'string' || typeof v === 'boolean') flags[key] = v;
  }
  const config = parsed.values.config;
  return {
    flags,
    positionals: parsed.positionals,
    configPath: typeof config === 'string' ? config : undefined,
    printConfig: parsed.values['print-config'] === true,
    help: parsed.values.help === true,
  };
}
