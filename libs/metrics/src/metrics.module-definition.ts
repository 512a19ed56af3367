import { rootModuleBuilder } from '@app/common';

export interface MetricsModuleOptions {
  /**
   * A bearer token that may read /metrics without a login (Prometheus's `authorization`
   * setting); without one, only an admin's login may.
   */
  token?: string;
}

export const { ConfigurableModuleClass: MetricsConfigurableModule, MODULE_OPTIONS_TOKEN: METRICS_MODULE_OPTIONS } =
  rootModuleBuilder<MetricsModuleOptions>().build();
