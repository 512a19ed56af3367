import { UseGuards, applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '@app/common';
import { AdminRoleGuard } from '../guards/admin-role.guard';
import { CameraAccessGuard } from '../guards/camera-access.guard';
import { Roles } from './roles.decorator';

export interface AuthenticatedOptions {
  /** Only the admin role may call the route. */
  admin?: boolean;
}

/** Name of the bearer scheme in the OpenAPI document. */
export const BEARER_AUTH_NAME = 'bearer';
export const COOKIE_AUTH_NAME = 'cookie';

/**
 * The one decorator that protects a route: it applies the guards and documents the security
 * and the 401/403 answers in OpenAPI together, so docs and enforcement cannot drift apart.
 */
export function Authenticated(options: AuthenticatedOptions = {}): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...(options.admin ? [Roles(['admin'])] : []),
    UseGuards(CameraAccessGuard, AdminRoleGuard),
    ApiBearerAuth(BEARER_AUTH_NAME),
    ApiCookieAuth(COOKIE_AUTH_NAME),
    ApiUnauthorizedResponse({ description: 'No valid token', type: ErrorResponseDto }),
    ApiForbiddenResponse({
      description: options.admin ? 'Not an admin' : 'No access to this camera',
      type: ErrorResponseDto,
    }),
  );
}
