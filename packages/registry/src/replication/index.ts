export * from './filters.js';
export * from './event-match.js';
