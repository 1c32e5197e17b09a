import { writeFileSync } from 'node:fs';
import { readProcMemory } from '@berth/testing';
import { type BenchProcess } from './registries.js';

/** Peak resident memory of each process during one scenario, in bytes, by role. */
export type MemoryPeaks = Record<string, number>;

export interface MemoryWatch {
  stop(): MemoryPeaks;
}

/**
 * Resets each process's VmHWM (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0; needs the right
 * to write it, which the owner of the process has) and samples VmRSS every `intervalMs`. The
 * peak is the larger of the highest sample and the kernel's VmHWM, so spikes between samples
 * count too. Without clear_refs, VmHWM would be the peak since start, and only samples count.
 */
export function watchMemory(processes: BenchProcess[], intervalMs = 50): MemoryWatch {
  const peaks: MemoryPeaks = {};
  const hwmUsable = new Set<string>();
  for (const { role, pid } of processes) {
    try {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
      hwmUsable.add(role);
    } catch {
      // fall back to sampling only
    }
    peaks[role] = 0;
  }
  const take = (final: boolean) => {
    for (const { role, pid } of processes) {
      const now = readProcMemory(pid);
      if (!now) continue;
      const candidates = [now.rss, ...(final && hwmUsable.has(role) ? [now.hwm] : [])];
      peaks[role] = Math.max(peaks[role] ?? 0, ...candidates);
    }
  };
  take(false);
  const timer = setInterval(() => take(false), intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take(true);
      return { ...peaks };
    },
  };
}

/** Merges peaks of several runs of one scenario (the maximum per role). */
export function mergePeaks(into: MemoryPeaks, peaks: MemoryPeaks): MemoryPeaks {
  for (const [role, bytes] of Object.entries(peaks)) into[role] = Math.max(into[role] ?? 0, bytes);
  return into;
}
