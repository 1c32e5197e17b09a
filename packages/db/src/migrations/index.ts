import { RegistrySchema1764864000000 } from './1764864000000-registry-schema.js';

/** Every migration, oldest first. A new one is a new timestamped file added here. */
export const MIGRATIONS = [RegistrySchema1764864000000];
