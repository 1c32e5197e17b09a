export * from './config.js';
export * from './secret-key.js';
