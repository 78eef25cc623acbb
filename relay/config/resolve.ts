/**
 * Resolves the effective configuration from flags, the environment and a
 * config file, in that order of precedence, over the schema's defaults. Pure:
 * the caller reads argv, the environment and the file.
 */
import { ConfigError, showValue } from './config-error.ts';
import { OPTION_KEYS, OPTIONS, specOf } from './schema.ts';
import type { OptionKey, RelayConfig } from './schema.ts';

/** Where values come from. */
export interface ConfigSources {
  /** Flag values as `node:util` parseArgs gives them (strings; `true` for bare flags). */
  readonly flags: Readonly<Partial<Record<OptionKey, string | boolean>>>;
  /** The process environment; an empty variable counts as unset. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The parsed config file, if one was given. */
  readonly file?: { readonly path: string; readonly values: Readonly<Record<string, unknown>> };
}

/** Which source gave each key its value. */
export type ConfigOrigin = 'flag' | 'env' | 'file' | 'default';

/** The effective configuration and where each value came from. */
export interface ResolvedConfig {
  readonly config: RelayConfig;
  readonly origin: Readonly<Record<OptionKey, ConfigOrigin | 'unset'>>;
}

function refuse(key: string, value: unknown, source: string): ConfigError {
  const spec = specOf(key as OptionKey);
  return new ConfigError('bad-value', `invalid config value [key:${key}, value:${showValue(value, spec.secret === true)}, source:${source}, allowed:${spec.kind.allowed}]`, key);
}

/** Throws {@link ConfigError} on an unknown file key or any bad value, naming the key. */
export function resolveConfig(sources: ConfigSources): ResolvedConfig {
  const fileValues = sources.file?.values ?? {};
  for (const key of Object.keys(fileValues)) {
    if (!Object.hasOwn(OPTIONS, key)) {
      throw new ConfigError('unknown-key', `unknown config key [key:${showValue(key, false)}, source:file ${sources.file!.path}, allowed:${OPTION_KEYS.join(' ')}]`, key);
    }
  }
  const config: Record<string, unknown> = {};
  const origin: Record<string, ConfigOrigin | 'unset'> = {};
  for (const key of OPTION_KEYS) {
    const spec = specOf(key);
    const kind = spec.kind;
    const flag = sources.flags[key];
    const envText = sources.env[spec.env] || undefined;
    let value: unknown;
    if (flag !== undefined) {
      value = typeof flag === 'boolean' ? flag : kind.fromText(flag);
      if (value === undefined) throw refuse(key, flag, `flag --${key}`);
      origin[key] = 'flag';
    } else if (envText !== undefined) {
      value = kind.fromText(envText);
      if (value === undefined) throw refuse(key, envText, `environment ${spec.env}`);
      origin[key] = 'env';
    } else if (Object.hasOwn(fileValues, key)) {
      value = kind.fromFile(fileValues[key]);
      if (value === undefined) throw refuse(key, fileValues[key], `file ${sources.file!.path}`);
      origin[key] = 'file';
    } else {
      value = 'default' in spec ? spec.default : undefined;
      origin[key] = 'default' in spec ? 'default' : 'unset';
    }
    config[key] = value;
  }
  return { config: config as RelayConfig, origin: origin as Record<OptionKey, ConfigOrigin | 'unset'> };
}
