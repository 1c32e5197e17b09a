export * from './data-source.js';
export * from './embedded-postgres.js';
export * from './entities/index.js';
export * from './migrations/index.js';
export * from './stores/repository-records.js';
export * from './stores/blob-records.js';
export * from './stores/upload-records.js';
export * from './stores/manifest-records.js';
export { DataSource } from 'typeorm';
