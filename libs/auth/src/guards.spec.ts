import { captureError } from '../../../test/support/capture-error';
import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthModuleOptions } from './auth.module-definition';
import { Authenticated } from './decorators/authenticated.decorator';
import { AdminRoleGuard } from './guards/admin-role.guard';
import { CameraAccessGuard } from './guards/camera-access.guard';
import { AuthenticatedRequest, Principal } from './principal';
import { SessionCameraResolver } from './session-camera.resolver';

class Routes {
  @Authenticated({ camera: 'param' })
  cameraRoute(): void {}

  @Authenticated({ camera: 'session' })
  sessionRoute(): void {}

  @Authenticated()
  plainRoute(): void {}

  @Authenticated({ admin: true })
  adminRoute(): void {}

  undecorated(): void {}
}

@Authenticated({ admin: true })
class AdminController {
  list(): void {}
}

const OPTIONS: AuthModuleOptions = {
  disabled: false,
  jwtSecret: 's3cret',
  cookieName: 'frigate_token',
  roles: { garage_only: ['garage'] },
};
const DISABLED: AuthModuleOptions = { ...OPTIONS, disabled: true };

const admin: Principal = { kind: 'user', sub: 'alice', roles: ['admin'] };
const viewer: Principal = { kind: 'user', sub: 'bob', roles: ['viewer'] };
const garageOnly: Principal = { kind: 'user', sub: 'carol', roles: ['garage_only'] };
const streamFor = (sessionId: string, camera = sessionId.replace(/^s-/, '')): Principal => ({
  kind: 'stream',
  sub: 'stream',
  roles: [],
  sessionId,
  camera,
  token: 't',
});

function request(user: Principal | undefined, params: Record<string, string> = {}): AuthenticatedRequest {
  return { user, params, query: {}, headers: {} };
}

/** A hand-made ExecutionContext for one route of a controller class. */
function contextFor(controller: new () => object, method: string, req: AuthenticatedRequest): ExecutionContext {
  const handler = (controller.prototype as Record<string, unknown>)[method];
  return {
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => ({}), getNext: () => undefined }),
    getHandler: () => handler,
    getClass: () => controller,
  } as unknown as ExecutionContext;
}

function expectForbidden(fn: () => unknown, message?: string): void {
  const error = captureError(fn);
  expect(error).toBeInstanceOf(ForbiddenException);
  const body = (error as ForbiddenException).getResponse();
  expect(body).toMatchObject({ success: false });
  if (message !== undefined) expect(body).toEqual({ success: false, message });
}

/** Like expectForbidden, for a guard that answers asynchronously. */
async function expectForbiddenAsync(fn: () => Promise<unknown>, message?: string): Promise<void> {
  const error = await fn().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ForbiddenException);
  const body = (error as ForbiddenException).getResponse();
  expect(body).toMatchObject({ success: false });
  if (message !== undefined) expect(body).toEqual({ success: false, message });
}

describe('CameraAccessGuard', () => {
  const reflector = new Reflector();
  const sessionCameras: Record<string, string> = { 's-garage': 'garage', 's-driveway': 'driveway' };
  let resolver: SessionCameraResolver & { cameraOfSession: jest.Mock };
  let guard: CameraAccessGuard;

  beforeEach(() => {
    resolver = { cameraOfSession: jest.fn((sessionId: string) => sessionCameras[sessionId]) };
    guard = new CameraAccessGuard(reflector, OPTIONS, resolver);
  });

  it('lets everything through when auth is disabled', async () => {
    const disabled = new CameraAccessGuard(reflector, DISABLED, resolver);
    await expect(disabled.canActivate(contextFor(Routes, 'cameraRoute', request(garageOnly, { camera: 'driveway' })))).resolves.toBe(true);
    await expect(disabled.canActivate(contextFor(Routes, 'cameraRoute', request(undefined, { camera: 'driveway' })))).resolves.toBe(true);
    await expect(disabled.canActivate(contextFor(Routes, 'sessionRoute', request(streamFor('other'), { sessionId: 's-garage' })))).resolves.toBe(true);
  });

  describe('camera-param routes', () => {
    it.each([
      ['admin', admin, 'driveway'],
      ['viewer', viewer, 'driveway'],
      ['a custom role, on its camera', garageOnly, 'garage'],
    ])('lets %s through to :camera %s', async (_who, principal, camera) => {
      await expect(guard.canActivate(contextFor(Routes, 'cameraRoute', request(principal, { camera })))).resolves.toBe(true);
    });

    it('refuses a user without access to :camera with 403 { success: false, message: "No access to camera \'x\'" }', async () => {
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'cameraRoute', request(garageOnly, { camera: 'x' }))), "No access to camera 'x'");
    });

    it('honours a cameras claim that narrows an admin', async () => {
      const narrowed: Principal = { ...admin, cameras: ['garage'] };
      await expect(guard.canActivate(contextFor(Routes, 'cameraRoute', request(narrowed, { camera: 'garage' })))).resolves.toBe(true);
      await expectForbiddenAsync(
        () => guard.canActivate(contextFor(Routes, 'cameraRoute', request(narrowed, { camera: 'driveway' }))),
        "No access to camera 'driveway'",
      );
    });

    it('refuses a stream principal, even for the camera of its session', async () => {
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'cameraRoute', request(streamFor('s-garage'), { camera: 'garage' }))));
    });

    it('refuses when no principal was attached', async () => {
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'cameraRoute', request(undefined, { camera: 'garage' }))));
    });
  });

  describe('session routes', () => {
    it('resolves the camera of :sessionId and lets a user with access through', async () => {
      await expect(guard.canActivate(contextFor(Routes, 'sessionRoute', request(garageOnly, { sessionId: 's-garage' })))).resolves.toBe(true);
      expect(resolver.cameraOfSession).toHaveBeenCalledWith('s-garage');
    });

    it("refuses a user without access to the session's camera, naming the camera", async () => {
      await expectForbiddenAsync(
        () => guard.canActivate(contextFor(Routes, 'sessionRoute', request(garageOnly, { sessionId: 's-driveway' }))),
        "No access to camera 'driveway'",
      );
      expect(resolver.cameraOfSession).toHaveBeenCalledWith('s-driveway');
    });

    it('answers 404 for an unknown session, before the route could find one opened meanwhile', async () => {
      const error = await guard.canActivate(contextFor(Routes, 'sessionRoute', request(garageOnly, { sessionId: 'nope' }))).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 404, response: { success: false, message: expect.stringMatching(/No such transcode session/) } });
      expect(resolver.cameraOfSession).toHaveBeenCalledWith('nope');
    });

    it('lets a stream principal through on its own session', async () => {
      await expect(guard.canActivate(contextFor(Routes, 'sessionRoute', request(streamFor('s-garage'), { sessionId: 's-garage' })))).resolves.toBe(true);
    });

    it('refuses a stream principal whose camera is not the session’s camera', async () => {
      await expectForbiddenAsync(() =>
        guard.canActivate(contextFor(Routes, 'sessionRoute', request(streamFor('s-garage', 'driveway'), { sessionId: 's-garage' }))),
      );
    });

    it('refuses a stream principal on another session, even an unknown one', async () => {
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'sessionRoute', request(streamFor('s-garage'), { sessionId: 's-driveway' }))));
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'sessionRoute', request(streamFor('s-garage'), { sessionId: 'nope' }))));
    });
  });

  describe('routes without a camera', () => {
    it('lets any user through', async () => {
      await expect(guard.canActivate(contextFor(Routes, 'plainRoute', request(garageOnly)))).resolves.toBe(true);
      await expect(guard.canActivate(contextFor(Routes, 'undecorated', request(garageOnly, { camera: 'driveway' })))).resolves.toBe(true);
    });

    it('refuses a stream principal', async () => {
      await expectForbiddenAsync(() => guard.canActivate(contextFor(Routes, 'plainRoute', request(streamFor('s-garage')))));
    });
  });
});

describe('AdminRoleGuard', () => {
  const reflector = new Reflector();
  const guard = new AdminRoleGuard(reflector, OPTIONS);

  it('lets an admin through an admin route', () => {
    expect(guard.canActivate(contextFor(Routes, 'adminRoute', request(admin)))).toBe(true);
    expect(guard.canActivate(contextFor(Routes, 'adminRoute', request({ ...viewer, roles: ['viewer', 'admin'] })))).toBe(true);
  });

  it('refuses a viewer on an admin route with 403', () => {
    expectForbidden(() => guard.canActivate(contextFor(Routes, 'adminRoute', request(viewer))), 'Requires the admin role');
  });

  it('refuses a custom role on an admin route', () => {
    expectForbidden(() => guard.canActivate(contextFor(Routes, 'adminRoute', request(garageOnly))));
  });

  it('refuses a stream principal on an admin route, even one claiming the admin role', () => {
    expectForbidden(() => guard.canActivate(contextFor(Routes, 'adminRoute', request(streamFor('s-garage')))));
    expectForbidden(() => guard.canActivate(contextFor(Routes, 'adminRoute', request({ ...streamFor('s-garage'), roles: ['admin'] }))));
  });

  it('refuses a missing principal on an admin route', () => {
    expectForbidden(() => guard.canActivate(contextFor(Routes, 'adminRoute', request(undefined))));
  });

  it('applies a class-level admin requirement to every route of the class', () => {
    expect(guard.canActivate(contextFor(AdminController, 'list', request(admin)))).toBe(true);
    expectForbidden(() => guard.canActivate(contextFor(AdminController, 'list', request(viewer))));
  });

  it('lets anyone through a non-admin route', () => {
    for (const method of ['cameraRoute', 'sessionRoute', 'plainRoute', 'undecorated']) {
      expect(guard.canActivate(contextFor(Routes, method, request(viewer)))).toBe(true);
      expect(guard.canActivate(contextFor(Routes, method, request(streamFor('s-garage'))))).toBe(true);
    }
  });

  it('lets everything through when auth is disabled', () => {
    const disabled = new AdminRoleGuard(reflector, DISABLED);
    expect(disabled.canActivate(contextFor(Routes, 'adminRoute', request(viewer)))).toBe(true);
    expect(disabled.canActivate(contextFor(Routes, 'adminRoute', request(streamFor('s-garage'))))).toBe(true);
  });
});
