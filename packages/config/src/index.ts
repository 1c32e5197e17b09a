export * from './config.js';
export * from './secret-key.js';
export * from './runtime-tuning.js';
