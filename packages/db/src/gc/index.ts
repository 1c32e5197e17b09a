export * from './gc-records.js';
export * from './gc-run-records.js';
