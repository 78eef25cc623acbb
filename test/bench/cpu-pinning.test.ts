/** CPU pinning for bench:relay: the list check, and a real process pinned by taskset. */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isCpuList, pinProcess } from '../../bench/relay/cpu-pinning.ts';

describe('cpu pinning', () => {
  it('accepts taskset CPU lists and refuses anything else', () => {
    for (const ok of ['0', '0-1', '0,2', '0,2-3,7']) expect(isCpuList(ok), ok).toBe(true);
    for (const bad of ['', 'all', '0-', ',1', '1;rm -rf /', '0 1', '-1']) expect(isCpuList(bad), bad).toBe(false);
    expect(() => pinProcess(process.pid, 'all')).toThrow(/not a CPU list/);
  });

  it('pins every thread of a running process to the CPUs given', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      pinProcess(child.pid!, '0');
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      expect(/Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1]).toBe('0');
    } finally {
      child.kill();
    }
  });
});
