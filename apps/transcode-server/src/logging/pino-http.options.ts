import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';
import type { LoggingConfig } from './logging.config';

/** The header that carries a request's id in and out (a proxy's id is kept, so logs join up). */
export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;
/** Query parameters that hold credentials (stream tokens, also as a cluster peer's segmentQuery) and never reach a log. */
const SECRET_QUERY_PARAMS = ['token', 'segmentQuery'];
/** Polled by orchestrators and Prometheus every few seconds: logged only when they fail. */
const QUIET_PATHS = new Set(['/health', '/metrics']);

/** Pure: the request's id, from a well-formed incoming X-Request-Id or a new UUID. */
export function requestIdOf(incoming: string | string[] | undefined): string {
  const value = Array.isArray(incoming) ? incoming[0] : incoming;
  return value && SAFE_REQUEST_ID.test(value) ? value : randomUUID();
}

/** Pure: a URL as it may be logged, its credentials replaced. */
export function loggableUrl(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  if (query < 0) return url;
  const params = new URLSearchParams(url.slice(query + 1));
  for (const name of SECRET_QUERY_PARAMS) if (params.has(name)) params.set(name, '[redacted]');
  return `${url.slice(0, query)}?${params.toString()}`;
}

/**
 * pino-http's settings: one JSON line per request with its id (echoed as X-Request-Id), method,
 * URL without credentials, status and time; log lines written while a request is handled carry
 * its `reqId`. Authorization and cookies are never logged.
 */
export function pinoHttpOptions(config: LoggingConfig): Options {
  return {
    level: config.level,
    timestamp: stdTimeFunctions.isoTime,
    genReqId: (request: IncomingMessage, response: ServerResponse) => {
      const id = requestIdOf(request.headers[REQUEST_ID_HEADER]);
      response.setHeader('X-Request-Id', id);
      return id;
    },
    // Lines logged during a request get its id only, not the whole request again.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    autoLogging: { ignore: (request) => QUIET_PATHS.has((request.url ?? '').split('?')[0]) },
    // A 503 is the service at its limits, answered with Retry-After (all ffmpeg slots busy): a
    // warning, not an error of the service.
    customLogLevel: (_request, response, error) => (response.statusCode === 503 ? 'warn' : error || response.statusCode >= 500 ? 'error' : 'info'),
    serializers: {
      req: (request: { id: unknown; method: string; url: string }) => ({
        id: request.id,
        method: request.method,
        url: loggableUrl(request.url),
      }),
      res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      // pino-http makes an Error for every 5xx; its stack says nothing (the cause is logged where it happens).
      err: (error: { message?: string }) => ({ message: error?.message }),
    },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], remove: true },
  };
}
