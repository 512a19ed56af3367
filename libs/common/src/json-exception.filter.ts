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
    const { status, message, details } = this.describe(exception);
    if (response.headersSent) {
      // A streamed body already started: the status cannot change any more, only the socket can end.
      response.destroy();
      return;
    }
    if (carriesHeaders(exception)) {
      for (const [name, value] of Object.entries(exception.responseHeaders)) response.setHeader(name, value);
    }
    response.status(status).json({ ...details, success: false, message } satisfies ErrorBody);
  }

  private describe(exception: unknown): { status: number; message: string; details: object } {
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: messageOf(exception), details: detailsOf(exception) };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error', details: {} };
  }
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
