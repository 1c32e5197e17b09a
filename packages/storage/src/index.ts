export type { FileInfo, FileWriter, RangeReader, StorageDriver } from './driver.js';
export {
  InvalidOffsetError,
  InvalidPathError,
  PathConflictError,
  PathNotFoundError,
  StorageError,
} from './errors.js';
export { FilesystemDriver } from './filesystem-driver.js';
export { InMemoryDriver } from './memory-driver.js';
export { blobDataPath, blobDir, blobsRoot, uploadDataPath, uploadDir, uploadsRoot } from './layout.js';
export { createStorageDriver } from './driver-from-url.js';
