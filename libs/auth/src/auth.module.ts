import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AUTH_MODULE_OPTIONS, AuthConfigurableModule } from './auth.module-definition';
import { AuthStartupNotice } from './auth-startup.notice';
import { AdminRoleGuard } from './guards/admin-role.guard';
import { AuthenticationGuard } from './guards/authentication.guard';
import { OptionalAuthenticationGuard } from './guards/optional-authentication.guard';
import { CameraAccessGuard } from './guards/camera-access.guard';
import { StreamTokenService } from './stream-token.service';
import { JwtStrategy } from './strategies/jwt.strategy';

/**
 * Frigate-compatible JWT auth, per-camera access and stream tokens. Register it once,
 * globally (`AuthModule.forRoot({ ..., isGlobal: true })`): the guards that `@Authenticated()`
 * applies are built in the modules whose routes they protect, and need its providers there.
 */
@Module({
  imports: [PassportModule],
  providers: [JwtStrategy, StreamTokenService, AuthenticationGuard, OptionalAuthenticationGuard, CameraAccessGuard, AdminRoleGuard, AuthStartupNotice],
  exports: [AUTH_MODULE_OPTIONS, StreamTokenService, AuthenticationGuard, OptionalAuthenticationGuard, CameraAccessGuard, AdminRoleGuard],
})
export class AuthModule extends AuthConfigurableModule {}
