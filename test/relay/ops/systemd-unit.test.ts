import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const unit = fileURLToPath(new URL('../../../deploy/parley.service', import.meta.url));
const analyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find((p) => existsSync(p));

describe('deploy/parley.service', () => {
  it('passes systemd-analyze verify where systemd is installed (else: it has the sections a unit needs)', () => {
    expect(existsSync(unit)).toBe(true);
    if (!analyze) {
      // No systemd on this machine (containers): check the shape instead of skipping.
      const text = readFileSync(unit, 'utf8');
      expect(text).toMatch(/\[Unit\][\s\S]*\[Service\][\s\S]*ExecStart=[\s\S]*\[Install\]/);
      return;
    }
    const r = spawnSync(analyze, ['verify', unit], { encoding: 'utf8' });
    // verify complains about the absent user, paths and binaries of the target host on a dev box;
    // what must not appear is a syntax or unknown-directive error.
    const problems = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /Unknown (key|section)|Invalid|Failed to parse|bad-setting|Missing '='/.test(l));
    expect(problems).toEqual([]);
  });
});
