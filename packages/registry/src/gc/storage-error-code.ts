/**
 * Whether `error` is the storage error with this stable code (`PATH_NOT_FOUND`, `INVALID_PATH`,
 * …). The code, not `instanceof`: it survives a duplicated module or another realm.
 */
export function hasStorageCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
