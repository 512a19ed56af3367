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
    const { status, message } = this.describe(exception);
    if (response.headersSent) {
      // A streamed body already started: the status cannot change any more, only the socket can end.
      response.destroy();
      return;
    }
    if (carriesHeaders(exception)) {
      for (const [name, value] of Object.entries(exception.responseHeaders)) response.setHeader(name, value);
    }
    response.status(status).json({ success: false, message } satisfies ErrorBody);
  }

  private describe(exception: unknown): { status: number; message: string } {
    if (exception instanceof HttpException) {
      return { status: exception.getStatus(), message: messageOf(exception) };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }
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
