import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** Fields 14–17 of /proc/<pid>/stat: utime, stime, cutime, cstime, in ticks. */
function stat(pid: number | 'self'): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .slice(11, 15)
      .map(Number);
  } catch {
    return [0, 0, 0, 0]; // the process is gone
  }
}

/** CPU seconds a process has used so far (user + system). */
export function cpuSeconds(pid: number): number {
  const [utime = 0, stime = 0] = stat(pid);
  return (utime + stime) / TICKS;
}

/** CPU seconds of this process's children that exited and were waited for (skopeo runs). */
export function reapedChildrenCpuSeconds(): number {
  const [, , cutime = 0, cstime = 0] = stat('self');
  return (cutime + cstime) / TICKS;
}

/** Pids of this process's live children whose command line contains `needle`. */
export function childPids(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) {
        found.push(Number(entry));
      }
    } catch {
      // gone
    }
  }
  return found;
}

/** Pids of the PostgreSQL backends connected to `database` (psql on the test server). */
export function backendPids(adminUrl: string, database: string): number[] {
  try {
    const out = execFileSync(
      'psql',
      [
        adminUrl,
        '-Atc',
        `SELECT pid FROM pg_stat_activity WHERE datname = '${database.replace(/'/g, "''")}'`,
      ],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
    );
    return out.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * CPU seconds used by named groups of processes between `start()` and `stop()`, per pid: a
 * process that started meanwhile counts whole, one that exited meanwhile is lost (a PostgreSQL
 * backend closed by the pool), so a group is never negative, at worst undercounted.
 */
export class CpuMeter {
  private readonly before = new Map<number, number>();
  private reapedBefore = 0;

  constructor(private readonly groups: () => Record<string, number[]>) {}

  start(): void {
    this.before.clear();
    for (const pid of Object.values(this.groups()).flat()) this.before.set(pid, cpuSeconds(pid));
    this.reapedBefore = reapedChildrenCpuSeconds();
  }

  /** Seconds per group; `reaped` is the CPU of children that exited meanwhile (skopeo). */
  stop(): Record<string, number> {
    const used: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups())) {
      used[name] = pids.reduce(
        (sum, pid) => sum + Math.max(0, cpuSeconds(pid) - (this.before.get(pid) ?? 0)),
        0,
      );
    }
    used.reaped = reapedChildrenCpuSeconds() - this.reapedBefore;
    return used;
  }
}
