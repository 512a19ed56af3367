import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** Settings whose values are never echoed: secrets, keys and URLs that may carry a password. */
const SECRET_SETTING = /SECRET|PASSWORD|KEY|TOKEN|REDIS_URL/;

/** A setting that stops the app at start; its message is the one line the operator sees. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

/**
 * Reads the environment into a class-validator decorated class. Defaults are the class's
 * property initialisers; a wrong value throws one line naming the variable.
 */
export function validateEnvironment<T extends object>(schema: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const defined = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const instance = plainToInstance(schema, defined, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const [error] = validateSync(instance, { skipMissingProperties: false, whitelist: false });
  if (error) {
    const message = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
    const raw = env[error.property];
    // A secret's value never goes into the message (it is logged): only its name.
    const shown = raw === undefined || SECRET_SETTING.test(error.property) ? '' : `=${JSON.stringify(raw)}`;
    throw new InvalidSettingError(`Invalid setting ${error.property}${shown}: ${message}`);
  }
  return instance;
}
