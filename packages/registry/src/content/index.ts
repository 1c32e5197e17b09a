export * from './artifact-operations.js';
export * from './platforms.js';
export * from './pull-tally.js';
