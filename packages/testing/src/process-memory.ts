import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Resident set size now (VmRSS), bytes. */
  rss: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  hwm: number;
}

/** VmRSS and VmHWM of a Linux process from /proc/<pid>/status, or undefined if unreadable. */
export function readProcMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string): number | undefined => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const rss = kib('VmRSS');
  const hwm = kib('VmHWM');
  return rss === undefined || hwm === undefined ? undefined : { rss, hwm };
}

export interface MemorySummary {
  /** VmRSS when sampling started. */
  startRss: number;
  /** Highest VmRSS sample seen. */
  peakRss: number;
  /** VmHWM when sampling stopped (the kernel's own peak, catches spikes between samples). */
  hwm: number;
  samples: number;
}

export interface MemorySampler {
  stop(): MemorySummary;
}

/** Samples a process's RSS every `intervalMs` until `stop()`. */
export function sampleMemory(pid: number, intervalMs = 100): MemorySampler {
  const first = readProcMemory(pid);
  if (!first) throw new Error(`cannot read /proc/${pid}/status`);
  let peakRss = first.rss;
  let hwm = first.hwm;
  let samples = 1;
  const take = (): void => {
    const now = readProcMemory(pid);
    if (!now) return;
    samples += 1;
    peakRss = Math.max(peakRss, now.rss);
    hwm = Math.max(hwm, now.hwm);
  };
  const timer = setInterval(take, intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      take();
      return { startRss: first.rss, peakRss, hwm, samples };
    },
  };
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
