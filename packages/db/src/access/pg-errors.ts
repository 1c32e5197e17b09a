/** PostgreSQL SQLSTATE codes the access stores translate into typed errors. Internal. */
export const UNIQUE_VIOLATION = '23505';
export const FOREIGN_KEY_VIOLATION = '23503';
export const CHECK_VIOLATION = '23514';

/** The SQLSTATE of a failed query (TypeORM wraps the driver's error), else `undefined`. */
export function pgErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const driverError = (error as { driverError?: { code?: unknown } }).driverError;
  const code = driverError?.code ?? (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Runs `statement`, turning the SQLSTATEs listed in `errors` into the error built for them.
 * Anything else is rethrown unchanged.
 */
export async function translating<T>(
  statement: () => Promise<T>,
  errors: Readonly<Record<string, () => Error>>,
): Promise<T> {
  try {
    return await statement();
  } catch (error) {
    const make = errors[pgErrorCode(error) ?? ''];
    if (make) throw make();
    throw error;
  }
}
