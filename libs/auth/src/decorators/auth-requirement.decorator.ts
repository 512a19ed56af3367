import { Reflector } from '@nestjs/core';

/**
 * Which camera a route is about: `param` (the route's :camera), `session` (the camera of the
 * route's :sessionId; stream tokens are accepted there) or `none` (no camera, e.g. admin lists).
 */
export interface AuthRequirement {
  camera: 'param' | 'session' | 'none';
}

export const AuthRequirementMetadata = Reflector.createDecorator<AuthRequirement>();
