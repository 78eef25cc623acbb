/** Maps the effective configuration onto `createRelay`'s options (units: the file speaks seconds and days, the relay ms). */
import type { RelayOptions } from '../options.ts';
import type { RelayConfig } from './schema.ts';

/** What the mapping needs from the machine. */
export interface MachineFacts {
  /** `os.availableParallelism()`. */
  readonly cores: number;
  /** Built client folder used when `static` is unset. */
  readonly defaultStaticDir: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Voice workers for `auto`: leave one core to the control plane; below 3 cores voice stays in-process (decisions D79). */
export function autoVoiceWorkers(cores: number): number {
  return cores >= 3 ? cores - 1 : 0;
}

/** The relay options for `config` (logger and hooks are the caller's). */
export function toRelayOptions(config: RelayConfig, machine: MachineFacts): RelayOptions {
  return {
    port: config.port,
    host: config.host,
    dataDir: config.data,
    ...(config.password !== undefined ? { password: config.password } : {}),
    staticDir: config.static ?? machine.defaultStaticDir,
    serverName: config.name,
    ...(config['udp-port'] !== undefined ? { rtc: { udpMuxPort: config['udp-port'] } } : {}),
    // The same with or without --cluster: workers reach the relay links through the link gateway (decisions D128).
    voiceWorkers: config['voice-workers'] === 'auto' ? autoVoiceWorkers(machine.cores) : config['voice-workers'],
    loadReportIntervalMs: config['load-report'] * 1000,
    guests: config.guests,
    trustProxy: config['trust-proxy'],
    limits: { maxConnectionsPerAddress: config['max-connections-per-address'], maxSessions: config['max-sessions'] },
    lockout: { maxFailures: config['lockout-attempts'], windowMs: config['lockout-window'] * 1000, lockMs: config['lockout-duration'] * 1000 },
    chat: { maxMessages: config['chat-max-messages'], maxAgeMs: config['chat-max-days'] * DAY_MS },
    files: {
      enabled: config.files === 'on',
      maxFileBytes: config['max-file-mb'] * 1024 * 1024,
      relayFallback: config['file-relay-fallback'] === 'on',
      fallbackBytesPerSecond: config['file-relay-rate-kb'] * 1024,
      fallbackCacheBytes: config['file-relay-cache-mb'] * 1024 * 1024,
    },
    ...(config['turn-urls'] !== undefined && config['turn-secret'] !== undefined
      ? { turn: { urls: config['turn-urls'].split(','), secret: config['turn-secret'], ttlSeconds: config['turn-ttl'] } }
      : {}),
    ...(config['metrics-token'] !== undefined ? { metricsToken: config['metrics-token'] } : {}),
    ...(config.cluster !== undefined
      ? {
          cluster: {
            servers: config.cluster.split(','),
            name: config['cluster-name'],
            replicas: config['cluster-replicas'],
            ...(config['cluster-key'] !== undefined ? { keyFile: config['cluster-key'] } : {}),
            ...(config['cluster-relay-id'] !== undefined ? { relayId: config['cluster-relay-id'] } : {}),
            ...(config['cluster-public-url'] !== undefined ? { publicUrl: config['cluster-public-url'] } : {}),
          },
        }
      : {}),
  };
}
