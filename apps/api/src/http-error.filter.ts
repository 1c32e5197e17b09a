import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, RegistryError } from '@berth/oci';

/** Failures raised by the framework itself (bad URL, bad Content-Type, body too large). */
interface FrameworkError {
  status: number;
  message: string;
}

/**
 * The one place errors become responses. On /v2/ every failure gets the distribution-spec's
 * body (`{"errors":[{code,message,detail}]}`); elsewhere an RFC 9457 problem body. Client
 * mistakes arrive as RegistryError or framework errors with a 4xx status; anything else is
 * Berth's fault: logged with its stack, answered 500 without internals.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    if (reply.sent) return;
    const failure = this.classify(exception, request);
    const path = request.raw.url ?? '';
    const isV2 = path === '/v2' || path.startsWith('/v2/') || path.startsWith('/v2?');
    const body = isV2 ? v2Body(failure) : problemBody(failure);
    const payload = Buffer.from(JSON.stringify(body));
    if (isV2) void reply.header('Docker-Distribution-API-Version', 'registry/2.0');
    if (failure instanceof RegistryError) void reply.headers(failure.headers);
    void reply
      .code(failure.status)
      .header('Content-Type', isV2 ? 'application/json' : 'application/problem+json')
      .header('Content-Length', payload.length)
      .send(request.method === 'HEAD' ? undefined : payload);
  }

  private classify(exception: unknown, request: FastifyRequest): RegistryError | FrameworkError {
    if (exception instanceof RegistryError) return exception;
    if (isClientAbort(exception))
      return new RegistryError('BLOB_UPLOAD_INVALID', 'the request body ended early');
    const status = statusOf(exception);
    if (status !== undefined && status >= 400 && status < 500) {
      return { status, message: exception instanceof Error ? exception.message : 'bad request' };
    }
    this.logger.error(
      { message: 'unexpected error', method: request.method, path: request.raw.url?.split('?')[0] },
      exception instanceof Error ? exception.stack : String(exception),
    );
    return new RegistryError('INTERNAL');
  }
}

function v2Body(failure: RegistryError | FrameworkError): unknown {
  if (failure instanceof RegistryError) return errorBody(failure);
  const code = failure.status === 404 ? 'NOT_FOUND' : failure.status === 413 ? 'SIZE_INVALID' : 'UNSUPPORTED';
  return { errors: [{ code, message: failure.message }] };
}

function problemBody(failure: RegistryError | FrameworkError): unknown {
  const code = failure instanceof RegistryError ? failure.code : undefined;
  return { type: 'about:blank', title: failure.message, status: failure.status, ...(code && { code }) };
}

function statusOf(exception: unknown): number | undefined {
  if (exception instanceof HttpException) return exception.getStatus();
  const status = (exception as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

function isClientAbort(exception: unknown): boolean {
  const code = (exception as { code?: string } | null)?.code;
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}
