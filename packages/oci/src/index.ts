export * from './media-types.js';
export * from './errors.js';
export * from './digest.js';
export * from './names.js';
export * from './descriptor.js';
export * from './manifest.js';
