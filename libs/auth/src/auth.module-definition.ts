import { rootModuleBuilder } from '@app/common';

export interface AuthModuleOptions {
  /** No token is checked at all: for trusted networks only (like Frigate's internal port). */
  disabled: boolean;
  /** HS256 secret shared with Frigate (FRIGATE_JWT_SECRET). */
  jwtSecret: string;
  /**
   * Where this node keeps the random key that signs stream tokens (made once). Without it, and
   * without a shared source (STREAM_TOKEN_KEY_SOURCE, a cluster's), a key derived from jwtSecret.
   */
  streamTokenKeyFile?: string;
  /** PEM public key of an RS256 or ES256 issuer, if tokens from one are accepted. */
  jwtPublicKey?: string;
  /** Cookie that carries the user's token (Frigate's `frigate_token`). */
  cookieName: string;
  /** Cameras each custom role may see; `admin` and `viewer` see every camera. */
  roles: Record<string, string[]>;
  /**
   * Origins whose pages may use the login cookie across sites (the app's CORS_ORIGINS): a
   * create from one of them is not refused as cross-site.
   */
  trustedOrigins?: string[];
  /** Lifetime of stream tokens; when unset, the session TTL plus the range's length. */
  streamTokenTtlSeconds?: number;
}

export const {
  ConfigurableModuleClass: AuthConfigurableModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  OPTIONS_TYPE: AUTH_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AUTH_ASYNC_OPTIONS_TYPE,
} = rootModuleBuilder<AuthModuleOptions>().build();
