import { CanActivate, ExecutionContext, ForbiddenException, Inject, Injectable, NotFoundException, Optional } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { canAccessCamera } from '../access-policy';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from '../auth.module-definition';
import { AuthRequirementMetadata } from '../decorators/auth-requirement.decorator';
import { AuthenticatedRequest } from '../principal';
import { SESSION_CAMERA_RESOLVER, SessionCameraResolver } from '../session-camera.resolver';

/**
 * May the caller see the camera this request is about? On stream routes that is the camera of
 * the session, checked on every playlist and segment request, and a stream token opens only
 * its own session. 403 when not; 404 for a session that does not exist.
 */
@Injectable()
export class CameraAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
    @Optional() @Inject(SESSION_CAMERA_RESOLVER) private readonly sessions?: SessionCameraResolver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.options.disabled) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = request.user;
    if (!principal) throw forbidden('No access');
    const requirement = this.reflector.getAllAndOverride(AuthRequirementMetadata, [context.getHandler(), context.getClass()]) ?? { camera: 'none' };

    if (principal.kind === 'stream') {
      // A stream token opens its own session's files and nothing else.
      const sessionCamera = await this.sessions?.cameraOfSession(request.params.sessionId);
      if (
        requirement.camera === 'session' &&
        principal.sessionId === request.params.sessionId &&
        (sessionCamera === undefined || sessionCamera === principal.camera)
      ) {
        return true;
      }
      throw forbidden('This stream token is not valid for this resource');
    }
    const camera =
      requirement.camera === 'param'
        ? request.params.camera
        : requirement.camera === 'session'
          ? await this.sessions?.cameraOfSession(request.params.sessionId)
          : undefined;
    // An unknown session is 404 here, before the route: a user never reaches a session whose
    // camera was not checked (ids are a public hash of camera and times, so a session another
    // user opens a moment later must not be served on this request). A registry that cannot be
    // read throws (503) rather than answering "unknown".
    if (requirement.camera === 'session' && camera === undefined) {
      throw new NotFoundException({ success: false, message: 'No such transcode session (it may have expired)' });
    }
    if (camera === undefined) return true;
    if (!canAccessCamera(principal, camera, this.options.roles)) {
      throw forbidden(`No access to camera '${camera}'`);
    }
    return true;
  }
}

function forbidden(message: string): ForbiddenException {
  return new ForbiddenException({ success: false, message });
}
