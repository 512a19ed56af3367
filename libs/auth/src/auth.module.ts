import { Module } from '@nestjs/common';
import { AdminRoleGuard } from './guards/admin-role.guard';
import { CameraAccessGuard } from './guards/camera-access.guard';

/** Camera-access and admin-role guards, applied to routes through `@Authenticated()`. */
@Module({
  providers: [CameraAccessGuard, AdminRoleGuard],
  exports: [CameraAccessGuard, AdminRoleGuard],
})
export class AuthModule {}
