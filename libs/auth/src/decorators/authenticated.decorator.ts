import { UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiQuery, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';
import { AdminRoleGuard } from '../guards/admin-role.guard';
import { AuthenticationGuard } from '../guards/authentication.guard';
import { CameraAccessGuard } from '../guards/camera-access.guard';
import { AuthRequirement, AuthRequirementMetadata } from './auth-requirement.decorator';
import { Roles } from './roles.decorator';

export interface AuthenticatedOptions {
  /** Only the admin role may call the route. */
  admin?: boolean;
  /** Which camera the route is about (see AuthRequirement); `none` by default. */
  camera?: AuthRequirement['camera'];
  /** A GET that starts work: no cookie login from a cross-site page (see AuthRequirement). */
  startsWork?: boolean;
}

/** Names of the security schemes in the OpenAPI document. */
export const BEARER_AUTH_NAME = 'bearer';
export const COOKIE_AUTH_NAME = 'cookie';
export const STREAM_TOKEN_AUTH_NAME = 'stream-token';

/**
 * The one decorator that protects a route: it applies the guards (who are you, may you see
 * this camera, do you hold the role) and documents the security schemes and the 401/403
 * answers in OpenAPI together, so docs and enforcement cannot drift apart.
 */
export function Authenticated(options: AuthenticatedOptions = {}): MethodDecorator & ClassDecorator {
  const camera = options.camera ?? 'none';
  return applyDecorators(
    AuthRequirementMetadata({ camera, ...(options.startsWork ? { startsWork: true } : {}) }),
    ...(options.admin ? [Roles(['admin'])] : []),
    UseGuards(AuthenticationGuard, CameraAccessGuard, AdminRoleGuard),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiCookieAuth(COOKIE_AUTH_NAME),
    ...(camera === 'session'
      ? [
          ApiSecurity(STREAM_TOKEN_AUTH_NAME),
          ApiQuery({
            name: 'token',
            required: false,
            description: 'Stream token from the playlist URL, for players that cannot send headers',
          }),
        ]
      : []),
    ApiUnauthorizedResponse({ description: 'No valid token', type: ErrorResponseDto }),
    ApiForbiddenResponse({
      description: options.admin ? 'Not an admin' : 'No access to this camera',
      type: ErrorResponseDto,
    }),
  );
}
