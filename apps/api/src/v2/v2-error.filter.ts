import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, RegistryError } from '@berth/oci';

/**
 * Turns every failure on /v2/ into the spec's error body. Client mistakes arrive as
 * RegistryError; anything else is Berth's fault: logged with its stack, answered 500 without
 * internals.
 */
@Catch()
export class V2ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('v2');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const error = exception instanceof RegistryError ? exception : this.unexpected(exception, request);
    if (reply.sent) return;
    const payload = Buffer.from(JSON.stringify(errorBody(error)));
    void reply
      .code(error.status)
      .headers(error.headers)
      .header('Docker-Distribution-API-Version', 'registry/2.0')
      .header('Content-Type', 'application/json')
      .header('Content-Length', payload.length)
      .send(request.method === 'HEAD' ? undefined : payload);
  }

  private unexpected(exception: unknown, request: FastifyRequest): RegistryError {
    if (isClientAbort(exception)) return new RegistryError('BLOB_UPLOAD_INVALID', 'the request body ended early');
    this.logger.error(
      { message: 'unexpected error', method: request.method, path: request.raw.url?.split('?')[0] },
      exception instanceof Error ? exception.stack : String(exception),
    );
    return Object.assign(new RegistryError('UNAVAILABLE', 'internal error'), { status: 500, code: 'UNKNOWN' });
  }
}

function isClientAbort(exception: unknown): boolean {
  const code = (exception as { code?: string } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}
