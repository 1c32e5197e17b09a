export * from './collect-garbage.js';
export * from './purge-uploads.js';
export {
  GC_REPORT_LIST_LIMIT,
  logLine,
  type GcBlobEntry,
  type GcManifestEntry,
  type GcPhase,
  type GcProgress,
  type GcReport,
} from './gc-report.js';
