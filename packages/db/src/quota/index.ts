export * from './quota-records.js';
export * from './quota-exceeded.error.js';
