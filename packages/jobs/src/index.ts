export * from './contract.js';
export * from './handlers.js';
export * from './connection.js';
export * from './job-queue.js';
export * from './job-worker.js';
export * from './schedules.js';
export * from './cron.js';
