export * from './test-database.js';
export * from './api-process.js';
export * from './registry-under-test.js';
export * from './registry-http.js';
export * from './oci-layout.js';
export * from './seeded.js';
export * from './run.js';
export * from './process-memory.js';
