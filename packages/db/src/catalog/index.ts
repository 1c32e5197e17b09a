export { decodeCursor, encodeCursor, type KeysetPage, type KeysetWindow } from './keyset.js';
export * from './repository-catalog.js';
export * from './artifact-catalog.js';
export * from './pull-records.js';
