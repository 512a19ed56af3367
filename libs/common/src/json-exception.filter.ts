import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';

/** The body of every error the service answers. */
export interface ErrorBody {
  success: false;
  message: string;
}

/**
 * Every error leaves as JSON `{"success": false, "message": "..."}`. Known HTTP errors keep
 * their status and message; anything else is a plain 500 whose detail stays in the log.
 */
@Catch()
export class JsonExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const answer = errorAnswer(exception);
    if (answer.unexpected) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (response.headersSent) {
      // A streamed body already started: the status cannot change any more, only the socket can end.
      response.destroy();
      return;
    }
    for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
    response.status(answer.status).json(answer.body);
  }
}

/**
 * Pure: the JSON answer to an error, for the filter and for code that answers outside Nest's
 * router (the front door). `unexpected`: not an HTTP error, so a plain 500 whose detail belongs
 * in the log only.
 */
export function errorAnswer(exception: unknown): { status: number; headers: Record<string, string>; body: ErrorBody; unexpected: boolean } {
  if (!(exception instanceof HttpException)) {
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, headers: {}, body: { success: false, message: 'Internal server error' }, unexpected: true };
  }
  return {
    status: exception.getStatus(),
    headers: carriesHeaders(exception) ? exception.responseHeaders : {},
    body: { ...detailsOf(exception), success: false, message: messageOf(exception) },
    unexpected: false,
  };
}

/** Extra fields of an error body (a health report, say), minus Nest's own status echo. */
function detailsOf(exception: HttpException): object {
  const body = exception.getResponse();
  if (typeof body !== 'object' || body === null) return {};
  const { statusCode: _statusCode, message: _message, success: _success, ...rest } = body as Record<string, unknown>;
  // Nest's default bodies carry `error: "Not Found"`; a report's structured `error` is kept.
  if (typeof rest.error === 'string') delete rest.error;
  return rest;
}

function messageOf(exception: HttpException): string {
  const body = exception.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  if (typeof message === 'string') return message;
  return exception.message;
}

/** An HTTP error that also sets response headers (Retry-After on a 429, say). */
export interface HeaderCarryingException {
  readonly responseHeaders: Record<string, string>;
}

export function carriesHeaders(exception: unknown): exception is HeaderCarryingException {
  return typeof exception === 'object' && exception !== null && 'responseHeaders' in exception;
}
