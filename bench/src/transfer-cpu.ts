import { readdirSync, readFileSync } from 'node:fs';
import { type Registry } from './registries.js';
import { reapedChildrenCpuSeconds } from './replication/cpu.js';

/**
 * CPU seconds of the registry's processes and of the client (this process, and skopeo once it
 * exited) over one run. Both share the machine's cores: the client's share is CPU the registry
 * could not use.
 */
export function startCpuWatch(registry: Registry): {
  perGiB(bytes: number): { server: number; client: number };
} {
  const serverCpu = () => registry.processes.reduce((sum, { pid }) => sum + threadCpuSeconds(pid), 0);
  const clientCpu = () => {
    const self = process.cpuUsage();
    return (self.user + self.system) / 1e6 + reapedChildrenCpuSeconds();
  };
  const server0 = serverCpu();
  const client0 = clientCpu();
  return {
    perGiB(bytes) {
      const gib = bytes / 1024 ** 3;
      return { server: (serverCpu() - server0) / gib, client: (clientCpu() - client0) / gib };
    },
  };
}

/**
 * CPU seconds of a live process, summed over its threads from `/proc/<pid>/task/<tid>/schedstat`
 * (nanoseconds; `/proc/<pid>/stat` counts 10 ms ticks, too coarse for a 32 MiB push).
 */
function threadCpuSeconds(pid: number): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // the thread ended
      }
    }
  } catch {
    // the process ended
  }
  return ns / 1e9;
}
