import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { RecordError } from '@berth/db';
import { catchError, type Observable } from 'rxjs';
import { conflict, invalid, notFound } from './admin.errors.js';

/**
 * Maps the access stores' typed failures (packages/db `RecordError`) to admin-API statuses:
 * CONFLICT → 409, NOT_FOUND → 404, INVALID_ARGUMENT → 400. Services catch the cases they can
 * word better; this is the safety net that keeps a client mistake from becoming a 500.
 */
@Injectable()
export class RecordErrorInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        throw error instanceof RecordError ? translate(error) : error;
      }),
    );
  }
}

function translate(error: RecordError): Error {
  switch (error.code) {
    case 'CONFLICT':
      return conflict(error.message);
    case 'NOT_FOUND':
      return notFound(error.message);
    case 'INVALID_ARGUMENT':
      return invalid('request', `is invalid: ${error.message}`);
  }
}
