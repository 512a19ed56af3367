import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions, StreamTokenService } from '@app/auth';
import { parseSegmentPath } from '../hls/hls-names';
import { SessionFilesStore, WHOLE_READ_MAX_BYTES } from '../storage/session-files.store';
import { SegmentAccess } from '../sessions/segment-access.service';

/** Marks a request the fast path has looked at: when mounted twice (app and module), it looks once. */
const HANDLED = Symbol('readySegmentChecked');

/**
 * The fast path of a ready segment of a session of this node, with a stream token (or auth
 * off): the token is checked (this session, its camera), the file is read in one piece and
 * sent, with nothing else in between. Anything else (a login token, a segment not made yet, a
 * session of another node, an error) goes on to the stream controller, which answers it
 * exactly as before. The same checks, in the same order, as the guards and the controller.
 */
@Injectable()
export class ReadySegmentMiddleware implements NestMiddleware {
  constructor(
    @Inject(AUTH_MODULE_OPTIONS) private readonly auth: AuthModuleOptions,
    private readonly streamTokens: StreamTokenService,
    private readonly segments: SegmentAccess,
    private readonly files: SessionFilesStore,
  ) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if (HANDLED in request) return next();
    (request as unknown as Record<symbol, boolean>)[HANDLED] = true;
    const segment = request.method === 'GET' ? parseSegmentPath(request.path) : null;
    if (!segment) return next();
    const { sessionId, index } = segment;
    const camera = this.segments.cameraOf(sessionId);
    if (!camera || !this.authorized(request, sessionId, camera)) return next();
    const ready = this.segments.readySegment(sessionId, index);
    if (!ready || ready.size <= 0 || ready.size > WHOLE_READ_MAX_BYTES) return next();
    this.files.readWhole(ready.dirId, ready.fileName, ready.size).then(
      (bytes) => {
        // Replaced or deleted meanwhile: the controller makes or finds it again.
        if (!bytes) return next();
        response.writeHead(200, { 'Content-Type': 'video/mp2t', 'Content-Length': bytes.length, 'Cache-Control': 'private, no-cache' });
        response.end(bytes);
      },
      () => next(),
    );
  }

  /** Auth off, or a valid stream token of this very session and camera (a login token takes the guarded route). */
  private authorized(request: Request, sessionId: string, camera: string): boolean {
    if (this.auth.disabled) return true;
    const token = request.query.token;
    if (typeof token !== 'string') return false;
    const claims = this.streamTokens.verify(token);
    return !!claims && claims.sessionId === sessionId && claims.camera === camera;
  }
}

/**
 * The fast path as a plain express middleware, for an app to mount ahead of its request log and
 * router (TranscodeModule mounts it on the stream routes as well, for apps that do not).
 */
export function readySegmentFastPath(middleware: ReadySegmentMiddleware) {
  return (request: Request, response: Response, next: NextFunction) => middleware.use(request, response, next);
}
