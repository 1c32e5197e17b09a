export * from './gc-records.js';
