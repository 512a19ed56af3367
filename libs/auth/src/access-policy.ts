import { Principal } from './principal';

/** Roles that see every camera, as in Frigate. */
export const ALL_CAMERA_ROLES = ['admin', 'viewer'] as const;
export const ADMIN_ROLE = 'admin';

/** Pure: the role claim as a list (`"viewer,garage"` → `["viewer", "garage"]`). */
export function parseRoleClaim(claim: unknown): string[] {
  if (typeof claim !== 'string') return [];
  return claim
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
}

/**
 * Pure: may this principal see this camera? admin and viewer see all; any other role sees the
 * cameras AUTH_ROLES lists for it; an unknown role sees none. A `cameras` claim narrows further.
 */
export function canAccessCamera(
  principal: Pick<Principal, 'roles' | 'cameras'>,
  camera: string,
  roleCameras: Readonly<Record<string, readonly string[]>>,
): boolean {
  if (principal.cameras && !principal.cameras.includes(camera)) return false;
  return principal.roles.some(
    (role) =>
      (ALL_CAMERA_ROLES as readonly string[]).includes(role) || (Object.prototype.hasOwnProperty.call(roleCameras, role) && roleCameras[role].includes(camera)),
  );
}

/** Pure: does the principal hold at least one of the roles? */
export function hasAnyRole(principal: Pick<Principal, 'roles'>, required: readonly string[]): boolean {
  return principal.roles.some((role) => required.includes(role));
}
