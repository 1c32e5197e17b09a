/**
 * Entry point that runs Berth's api under the V8 CPU profiler (`node --cpu-prof` is not
 * allowed in NODE_OPTIONS, and the test harness spawns `node <main>`): starts the profiler
 * through an in-process inspector session, imports the api, and writes
 * `<BENCH_CPU_PROF_DIR>/api-<pid>.cpuprofile` when the process exits.
 */
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const target = process.env.BENCH_CPU_PROF_TARGET;
const dir = process.env.BENCH_CPU_PROF_DIR;
if (!target || !dir) throw new Error('BENCH_CPU_PROF_TARGET and BENCH_CPU_PROF_DIR are required');

const session = new Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 200 });
session.post('Profiler.start');
process.on('exit', () => {
  // The in-process session dispatches synchronously, so this runs before the process ends.
  session.post('Profiler.stop', (error, result) => {
    if (!error)
      writeFileSync(path.join(dir, `api-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
await import(pathToFileURL(target).href);
