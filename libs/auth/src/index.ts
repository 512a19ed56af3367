export * from './auth.module';
export * from './guards/camera-access.guard';
export * from './guards/admin-role.guard';
export * from './decorators/roles.decorator';
export * from './decorators/authenticated.decorator';
