import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AUTH_MODULE_OPTIONS, AuthModuleOptions } from './auth.module-definition';

/** Says at every start when auth is off, so nobody runs an open service by accident. */
@Injectable()
export class AuthStartupNotice implements OnApplicationBootstrap {
  private readonly logger = new Logger('Auth');

  constructor(@Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions) {}

  onApplicationBootstrap(): void {
    if (this.options.disabled) {
      this.logger.warn('AUTH_DISABLED=true: every request is trusted as admin. Only expose this on a trusted network.');
    }
  }
}
