export * from './filters.js';
