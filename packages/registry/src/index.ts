export * from './registry.js';
export * from './registry-stores.js';
export * from './blob-service.js';
export * from './upload-service.js';
export * from './manifest-service.js';
export * from './listing-service.js';
export * from './byte-range.js';
export * from './pagination.js';
