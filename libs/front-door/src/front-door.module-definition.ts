import { rootModuleBuilder } from '@app/common';

export interface FrontDoorModuleOptions {
  /** The port the front door listens on; the front door is off without one. */
  port?: number;
  /** Frigate's address: where everything that is not a transcoded /vod goes, and who decides auth. */
  frigateUrl?: string;
  /** How long one of Frigate's auth answers is reused for the same credentials. */
  authCacheSeconds: number;
  /** The address to listen on (all by default). */
  host?: string;
}

export const { ConfigurableModuleClass: FrontDoorConfigurableModule, MODULE_OPTIONS_TOKEN: FRONT_DOOR_MODULE_OPTIONS } =
  rootModuleBuilder<FrontDoorModuleOptions>().build();
