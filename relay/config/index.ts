/** The relay's settings: one schema for flags, environment, config file and README (see schema.ts). */
export { OPTIONS, OPTION_KEYS, isBooleanOption, specOf } from './schema.ts';
export type { OptionKey, OptionSpec, RelayConfig } from './schema.ts';
export type { OptionKind } from './option-kinds.ts';
export { resolveConfig } from './resolve.ts';
export type { ConfigOrigin, ConfigSources, ResolvedConfig } from './resolve.ts';
export { ConfigError } from './config-error.ts';
export type { ConfigErrorCode } from './config-error.ts';
export { parseConfigText, readConfigFile } from './config-file.ts';
export { formatConfig, REDACTED } from './print-config.ts';
export { settingsTable } from './readme-table.ts';
export { autoVoiceWorkers, toRelayOptions } from './to-relay-options.ts';
export type { MachineFacts } from './to-relay-options.ts';
export { parseCommandLine } from './command-line.ts';
export type { CommandLine } from './command-line.ts';
