import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { stringify } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { MAX_VOICE_WORKERS } from '../../../relay/index.ts';
import { ConfigError, formatConfig, OPTION_KEYS, parseCommandLine, parseConfigText, REDACTED, resolveConfig, settingsTable, specOf } from '../../../relay/config/index.ts';
import type { OptionKey } from '../../../relay/config/index.ts';

const text = fc.stringMatching(/^[A-Za-z0-9 ._/:-]{1,24}$/).filter((s) => s.trim() === s && s !== '');
const token = fc.stringMatching(/^[\x21-\x7e]{16,32}$/);
const port = fc.integer({ min: 0, max: 65_535 });
const count = fc.integer({ min: 0, max: 1_000_000 });

/** A valid value for every setting; a new row without one fails the first test. */
const VALID: Record<OptionKey, fc.Arbitrary<unknown>> = {
  port,
  host: text,
  data: text,
  password: text,
  static: text,
  name: text,
  'udp-port': fc.integer({ min: 1, max: 65_535 }),
  guests: fc.constantFrom('auto', 'allow', 'deny'),
  'trust-proxy': fc.boolean(),
  'max-connections-per-address': fc.integer({ min: 1, max: 1_000_000 }),
  'max-sessions': fc.integer({ min: 1, max: 1_000_000 }),
  'lockout-attempts': count,
  'lockout-window': count,
  'lockout-duration': count,
  'chat-max-messages': fc.integer({ min: 1, max: 1_000_000 }),
  'chat-max-days': fc.oneof(fc.integer({ min: 1, max: 3650 }), fc.double({ min: 0.01, max: 3650, noNaN: true }).map((d) => Math.round(d * 100) / 100).filter((d) => d > 0)),
  files: fc.constantFrom('on', 'off'),
  'max-file-mb': fc.integer({ min: 1, max: 262_144 }),
  'file-relay-fallback': fc.constantFrom('on', 'off'),
  'file-relay-rate-kb': fc.integer({ min: 1, max: 1_000_000 }),
  'file-relay-cache-mb': fc.integer({ min: 0, max: 100_000 }),
  'turn-urls': fc.array(fc.tuple(fc.constantFrom('turn', 'turns'), fc.stringMatching(/^[a-z0-9.-]{1,20}$/), fc.integer({ min: 1, max: 65_535 })), { minLength: 1, maxLength: 3 }).map((urls) => urls.map(([s, h, p]) => `${s}:${h}:${p}`).join(',')),
  'turn-secret': text,
  'turn-ttl': fc.integer({ min: 60, max: 604_800 }),
  'voice-workers': fc.oneof(fc.constant('auto'), fc.integer({ min: 0, max: MAX_VOICE_WORKERS })),
  'load-report': count,
  'metrics-token': token,
  'log-format': fc.constantFrom('text', 'json'),
  tls: fc.constantFrom('self-signed', 'ca'),
  'tls-cert': text,
  'tls-key': text,
  'public-host': text,
  acme: text,
  'acme-email': text.map((t) => `${t}@example.org`),
  'acme-directory': text.map((t) => `https://${t}`),
  'acme-staging': fc.boolean(),
  'acme-http-port': port,
  cluster: fc.array(fc.tuple(fc.constantFrom('nats', 'tls'), fc.stringMatching(/^[a-z0-9.-]{1,20}$/), fc.integer({ min: 1, max: 65_535 })), { minLength: 1, maxLength: 3 }).map((urls) => urls.map(([s, h, p]) => `${s}://${h}:${p}`).join(',')),
  'cluster-name': fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
  'cluster-key': text,
  'cluster-relay-id': fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
  'cluster-public-url': fc.tuple(fc.constantFrom('ws', 'wss'), fc.stringMatching(/^[a-z0-9.-]{1,20}$/), fc.integer({ min: 1, max: 65_535 })).map(([s, h, p]) => `${s}://${h}:${p}/ws`),
  'cluster-replicas': fc.integer({ min: 1, max: 5 }),
  verbose: fc.boolean(),
};

/** A random subset of settings with valid values. */
const settings = fc.record(VALID, { requiredKeys: [] }) as fc.Arbitrary<Partial<Record<OptionKey, unknown>>>;

function viaFlags(values: Partial<Record<OptionKey, unknown>>) {
  const argv: string[] = [];
  for (const [key, value] of Object.entries(values) as Array<[OptionKey, unknown]>) {
    const spec = specOf(key);
    if (spec.kind.bare) {
      if (value === true) argv.push(`--${key}`);
    } else argv.push(`--${key}=${spec.kind.toText(value)}`); // `=`: a value may start with "-"
  }
  return resolveConfig({ flags: parseCommandLine(argv).flags, env: {} }).config;
}

function viaEnv(values: Partial<Record<OptionKey, unknown>>) {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(values) as Array<[OptionKey, unknown]>) env[specOf(key).env] = specOf(key).kind.toText(value);
  return resolveConfig({ flags: {}, env }).config;
}

function viaFile(values: Partial<Record<OptionKey, unknown>>, format: 'toml' | 'json') {
  const path = `parley.${format}`;
  const body = format === 'toml' ? stringify(values) : JSON.stringify(values);
  return resolveConfig({ flags: {}, env: {}, file: { path, values: parseConfigText(path, body) } }).config;
}

describe('config schema', () => {
  it('has a valid-value generator for every setting and matches the relay limits', () => {
    expect(Object.keys(VALID).sort()).toEqual([...OPTION_KEYS].sort());
    expect(specOf('voice-workers').kind.fromText(String(MAX_VOICE_WORKERS))).toBe(MAX_VOICE_WORKERS);
    expect(specOf('voice-workers').kind.fromText(String(MAX_VOICE_WORKERS + 1))).toBeUndefined();
  });

  it('every setting round-trips through the file (TOML and JSON) and the environment to the config the flags give (property)', () => {
    fc.assert(
      fc.property(settings, (values) => {
        const fromFlags = viaFlags(values);
        // bare flags cannot say false; false is their default, so the configs still agree.
        for (const [key, value] of Object.entries(values)) if (typeof value !== 'boolean') expect(fromFlags[key as OptionKey]).toEqual(value);
        expect(viaEnv(values)).toEqual(fromFlags);
        expect(viaFile(values, 'toml')).toEqual(fromFlags);
        expect(viaFile(values, 'json')).toEqual(fromFlags);
      }),
    );
  });

  it('a bad value from any source is refused naming the key, the source and what is allowed, and hides secrets (property)', () => {
    const bad = fc.tuple(fc.constantFrom(...OPTION_KEYS), fc.string({ minLength: 1, maxLength: 12 }), fc.constantFrom('flag', 'env', 'file'));
    fc.assert(
      fc.property(bad, ([key, value, source]) => {
        const spec = specOf(key);
        fc.pre(!spec.kind.bare || source !== 'flag');
        fc.pre(source === 'file' ? spec.kind.fromFile(value) === undefined : spec.kind.fromText(value) === undefined);
        const run = () =>
          resolveConfig(
            source === 'flag'
              ? { flags: { [key]: value }, env: {} }
              : source === 'env'
                ? { flags: {}, env: { [spec.env]: value } }
                : { flags: {}, env: {}, file: { path: 'x.toml', values: { [key]: value } } },
          );
        let error: unknown;
        try {
          run();
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(ConfigError);
        const e = error as ConfigError;
        expect(e.code).toBe('bad-value');
        expect(e.key).toBe(key);
        expect(e.message).toContain(`[key:${key}, value:`);
        expect(e.message).toContain(`allowed:${spec.kind.allowed}]`);
        expect(e.message).not.toContain('\n');
        if (spec.secret) expect(e.message).toContain('(secret, not shown)');
      }),
    );
  });

  it('refuses a file key no setting has, listing the allowed keys', () => {
    expect(() => resolveConfig({ flags: {}, env: {}, file: { path: 'p.toml', values: parseConfigText('p.toml', 'port = 1\nprot = 2\n') } })).toThrow(
      /^unknown config key \[key:"prot", source:file p\.toml, allowed:port host data/,
    );
  });

  it('refuses a file that is not TOML, or a TOML table of tables', () => {
    expect(() => parseConfigText('p.toml', 'port = = 1')).toThrow(ConfigError);
    expect(() => resolveConfig({ flags: {}, env: {}, file: { path: 'p.toml', values: parseConfigText('p.toml', '[port]\nx = 1\n') } })).toThrow(/key:port/);
  });

  it('takes flags over the environment over the file over the defaults', () => {
    const file = { path: 'p.toml', values: { port: 3, name: 'File', host: '127.0.0.3' } };
    const resolved = resolveConfig({ flags: { port: '1' }, env: { PORT: '2', PARLEY_SERVER_NAME: 'Env' }, file });
    expect([resolved.config.port, resolved.config.name, resolved.config.host, resolved.config.guests]).toEqual([1, 'Env', '127.0.0.3', 'auto']);
    expect([resolved.origin.port, resolved.origin.name, resolved.origin.host, resolved.origin.guests, resolved.origin.password]).toEqual(['flag', 'env', 'file', 'default', 'unset']);
  });

  it('counts an empty environment variable as unset', () => {
    expect(resolveConfig({ flags: {}, env: { PORT: '' } }).config.port).toBe(8080);
  });

  it('refuses an unknown flag in one line naming it', () => {
    expect(() => parseCommandLine(['--prot', '1'])).toThrow(/^invalid command line \[flag:"--prot", allowed:--port /);
  });
});

describe('formatConfig() (--print-config)', () => {
  it('prints every setting as TOML with its origin, secrets redacted, and reads back to the same non-secret config', () => {
    const resolved = resolveConfig({ flags: { password: 'hunter2-secret' }, env: { PARLEY_METRICS_TOKEN: 'tok-0123456789abcdefXYZ' } });
    const out = formatConfig(resolved);
    expect(out).not.toContain('hunter2-secret');
    expect(out).not.toContain('tok-0123456789abcdefXYZ');
    expect(out).toContain(`password = "${REDACTED}"  # flag`);
    expect(out).toContain(`metrics-token = "${REDACTED}"  # env`);
    expect(out).toContain('port = 8080  # default');
    expect(out).toContain('# udp-port = (unset; an integer in 1..65535)');
    const back = parseConfigText('printed.toml', out);
    delete back.password;
    delete back['metrics-token'];
    const again = resolveConfig({ flags: {}, env: {}, file: { path: 'printed.toml', values: back } }).config;
    expect({ ...again, password: undefined, 'metrics-token': undefined }).toEqual({ ...resolved.config, password: undefined, 'metrics-token': undefined });
  });
});

describe('README settings table', () => {
  it('is the table the schema generates', async () => {
    const readme = await readFile(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(settingsTable());
  });
});
