export * from './windowed-counter.js';
export * from './audit-buffer.js';
export * from './registry-audit.js';
export * from './purge-audit.js';
