import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** A setting that stops the app at start; its message is the one line the operator sees. */
export class InvalidSettingError extends Error {
  override readonly name = 'InvalidSettingError';
}

/**
 * Reads the environment into a class-validator decorated class. Defaults are the class's
 * property initialisers; a wrong value throws one line naming the variable.
 */
export function validateEnvironment<T extends object>(
  schema: new () => T,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const instance = plainToInstance(schema, defined, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const [error] = validateSync(instance, { skipMissingProperties: false, whitelist: false });
  if (error) {
    const message = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
    const raw = env[error.property];
    throw new InvalidSettingError(
      `Invalid setting ${error.property}${raw === undefined ? '' : `=${JSON.stringify(raw)}`}: ${message}`,
    );
  }
  return instance;
}
