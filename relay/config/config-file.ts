/**
 * Reads a config file: TOML (`parley.toml`, parsed by smol-toml) or JSON
 * (`.json`). The top level must be a table of settings; the schema decides
 * which keys exist (resolve.ts).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConfigError } from './config-error.ts';

/** Parses `text` as the format `path`'s extension names (TOML unless `.json`). */
export function parseConfigText(path: string, text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseToml(text);
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    throw new ConfigError('bad-file', `config file is not valid ${extname(path).toLowerCase() === '.json' ? 'JSON' : 'TOML'} [file:${path}, error:${why}]`, undefined);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError('bad-file', `config file must hold a table of settings [file:${path}]`, undefined);
  }
  return parsed as Record<string, unknown>;
}

/** Reads and parses the file at `path`. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError('bad-file', `cannot read config file [file:${path}, error:${(error as NodeJS.ErrnoException).code ?? 'unknown'}]`, undefined);
  }
  return parseConfigText(path, text);
}
