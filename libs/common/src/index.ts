export * from './environment.validation';
export * from './json-exception.filter';
export * from './error-response.dto';
export * from './json-validation.pipe';
export * from './configurable-module';
export * from './close-http-server';
export * from './send-json';
export * from './http-server-limits';
