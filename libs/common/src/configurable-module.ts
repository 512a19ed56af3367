import { ConfigurableModuleBuilder } from '@nestjs/common';

/**
 * The builder every lib's dynamic module uses: `forRoot` / `forRootAsync`, plus an `isGlobal`
 * extra so the app can make a module's providers visible everywhere (as @nestjs/cache-manager does).
 */
export function rootModuleBuilder<Options>() {
  return new ConfigurableModuleBuilder<Options>()
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }));
}
