/**
 * Preloaded into Berth's processes with `NODE_OPTIONS=--import=<this file>` (`--cpu-prof` is not
 * allowed there): runs the V8 CPU profiler through an in-process inspector session and writes
 * `<BENCH_CPU_PROF_DIR>/<app>-<pid>.cpuprofile` when the process exits (`app`: api, token or
 * worker, from the path of the entry point).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const app = path.basename(path.dirname(path.dirname(process.argv[1] ?? 'unknown/dist/main.js')));
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // The in-process session dispatches synchronously, so this runs before the process ends.
    session.post('Profiler.stop', (error, result) => {
      if (!error)
        writeFileSync(path.join(dir, `${app}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
