import { Reflector } from '@nestjs/core';

/**
 * Which camera a route is about: `param` (the route's :camera), `session` (the camera of the
 * route's :sessionId; stream tokens are accepted there) or `none` (no camera, e.g. admin lists).
 */
export interface AuthRequirement {
  camera: 'param' | 'session' | 'none';
  /**
   * A GET that starts work (a transcode). Frigate's CSRF rule exempts GETs, so a page on another
   * site could start transcodes as a viewer whose browser holds the login cookie: such a
   * request (`Sec-Fetch-Site: cross-site`, logged in by the cookie alone) is refused.
   */
  startsWork?: boolean;
}

export const AuthRequirementMetadata = Reflector.createDecorator<AuthRequirement>();
