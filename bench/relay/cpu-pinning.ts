/**
 * Pins benchmark processes to CPUs (`taskset -a -p`, every thread of the
 * process; threads and children created later inherit the mask). On a box
 * with enough cores this keeps the load generators off the forwarder's
 * cores, so its delay and its scaling over voice workers can be measured
 * without the generators competing for them (docs/BENCHMARKS.md, D82).
 */
import { execFileSync } from 'node:child_process';

/** A CPU list as taskset takes it: "2", "0-3", "0,2,4-5". */
export function isCpuList(text: string): boolean {
  return /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(text);
}

/** Pins every thread of `pid` to `cpus`; throws with the reason when taskset is missing or refuses. */
export function pinProcess(pid: number, cpus: string): void {
  if (!isCpuList(cpus)) throw new Error(`not a CPU list [cpus:${cpus}]`);
  try {
    execFileSync('taskset', ['-a', '-pc', cpus, String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    throw new Error(`taskset could not pin [pid:${pid}, cpus:${cpus}] (is util-linux installed, are the CPUs online?): ${String(error)}`);
  }
}
