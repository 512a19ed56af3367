import type { NextFunction, Request, Response } from 'express';

/** Methods that change nothing: the rule does not apply to them. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);
/** The header Frigate's own web UI sends on every change (any value). */
export const CSRF_HEADER = 'x-csrf-token';

/** Pure: Frigate's CSRF rule. A request that changes something and comes from a page (it has an Origin) must carry X-CSRF-TOKEN. */
export function violatesCsrfRule(method: string, headers: Record<string, string | string[] | undefined>): boolean {
  return !SAFE_METHODS.has(method.toUpperCase()) && headers.origin !== undefined && headers[CSRF_HEADER] === undefined;
}

/**
 * Frigate's CSRF rule, so a page on another site cannot make a logged-in browser DELETE a
 * session: a form or a simple fetch cannot add a custom header, and a fetch that adds one needs
 * a CORS preflight that only CORS_ORIGINS pass. Frigate answers 401 here; this is a 403, as the
 * caller may well be signed in (a 401 would make a player ask for a login that cannot help).
 */
export function frigateCsrfRule(request: Request, response: Response, next: NextFunction): void {
  if (!violatesCsrfRule(request.method, request.headers)) return next();
  response.status(403).json({ success: false, message: 'Missing CSRF header (X-CSRF-TOKEN) on a request with an Origin' });
}
