import { ADMIN_ROLE, ALL_CAMERA_ROLES, canAccessCamera, hasAnyRole, parseRoleClaim } from './access-policy';

describe('parseRoleClaim', () => {
  it('splits a comma list and trims the spaces around each role', () => {
    expect(parseRoleClaim('viewer, garage ,  outside')).toEqual(['viewer', 'garage', 'outside']);
  });

  it('reads a single role as a one-element list', () => {
    expect(parseRoleClaim('admin')).toEqual(['admin']);
  });

  it('drops empty parts', () => {
    expect(parseRoleClaim(',viewer,, ,garage,')).toEqual(['viewer', 'garage']);
    expect(parseRoleClaim('')).toEqual([]);
  });

  it.each([[undefined], [null], [42], [['admin']], [{ role: 'admin' }], [true]])('returns [] for a non-string claim (%p)', (claim) => {
    expect(parseRoleClaim(claim)).toEqual([]);
  });
});

describe('canAccessCamera', () => {
  const roles: Record<string, string[]> = {
    garage_only: ['garage'],
    outside: ['driveway', 'front_door'],
  };

  it('treats admin and viewer as the roles that see every camera', () => {
    expect([...ALL_CAMERA_ROLES]).toEqual(['admin', 'viewer']);
    expect(ADMIN_ROLE).toBe('admin');
  });

  it.each<[string, { roles: string[]; cameras?: string[] }, string, boolean]>([
    ['admin sees any camera', { roles: ['admin'] }, 'anything', true],
    ['viewer sees any camera', { roles: ['viewer'] }, 'garage', true],
    ['viewer sees a camera no role lists', { roles: ['viewer'] }, 'backyard', true],
    ['a custom role sees a camera listed for it', { roles: ['garage_only'] }, 'garage', true],
    ['a custom role does not see a camera not listed for it', { roles: ['garage_only'] }, 'driveway', false],
    ['a custom role sees each of its listed cameras', { roles: ['outside'] }, 'front_door', true],
    ['an unknown role sees nothing', { roles: ['intruder'] }, 'garage', false],
    ['no roles at all sees nothing', { roles: [] }, 'garage', false],
    ['multiple roles combine: first role grants', { roles: ['garage_only', 'outside'] }, 'garage', true],
    ['multiple roles combine: second role grants', { roles: ['garage_only', 'outside'] }, 'driveway', true],
    ['multiple roles combine: neither grants', { roles: ['garage_only', 'outside'] }, 'backyard', false],
    ['an unknown role beside a known one does not spoil it', { roles: ['intruder', 'outside'] }, 'driveway', true],
    ['a cameras claim narrows even admin (listed)', { roles: ['admin'], cameras: ['garage'] }, 'garage', true],
    ['a cameras claim narrows even admin (not listed)', { roles: ['admin'], cameras: ['garage'] }, 'driveway', false],
    ['a cameras claim narrows viewer', { roles: ['viewer'], cameras: ['garage'] }, 'driveway', false],
    ['a cameras claim cannot widen a custom role', { roles: ['garage_only'], cameras: ['driveway'] }, 'driveway', false],
    ['an empty cameras claim shuts everything', { roles: ['admin'], cameras: [] }, 'garage', false],
  ])('%s', (_name, principal, camera, expected) => {
    expect(canAccessCamera(principal, camera, roles)).toBe(expected);
  });

  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    "a role named like an Object.prototype key ('%s') grants nothing",
    (role) => {
      // Checked with a camera name that an inherited member would "include" if it were looked up.
      for (const camera of ['garage', 'constructor', 'length', '']) {
        expect(canAccessCamera({ roles: [role] }, camera, roles)).toBe(false);
        expect(canAccessCamera({ roles: [role] }, camera, {})).toBe(false);
      }
    },
  );

  it('still honours a prototype-like role name when the roles map really lists it', () => {
    const own = JSON.parse('{"constructor": ["garage"], "__proto__": ["driveway"]}') as Record<string, string[]>;
    expect(canAccessCamera({ roles: ['constructor'] }, 'garage', own)).toBe(true);
    expect(canAccessCamera({ roles: ['__proto__'] }, 'driveway', own)).toBe(true);
    expect(canAccessCamera({ roles: ['__proto__'] }, 'garage', own)).toBe(false);
  });
});

describe('hasAnyRole', () => {
  it('is true when the principal holds one of the required roles', () => {
    expect(hasAnyRole({ roles: ['viewer', 'admin'] }, ['admin'])).toBe(true);
    expect(hasAnyRole({ roles: ['garage_only'] }, ['admin', 'garage_only'])).toBe(true);
  });

  it('is false when the principal holds none of them', () => {
    expect(hasAnyRole({ roles: ['viewer', 'garage_only'] }, ['admin'])).toBe(false);
  });

  it('is false with no roles, or when nothing is required', () => {
    expect(hasAnyRole({ roles: [] }, ['admin'])).toBe(false);
    expect(hasAnyRole({ roles: ['admin'] }, [])).toBe(false);
  });

  it('matches whole role names only', () => {
    expect(hasAnyRole({ roles: ['admins', 'Admin'] }, ['admin'])).toBe(false);
  });
});
