import { Reflector } from '@nestjs/core';

/** Roles a route requires, e.g. `@Roles(['admin'])`. */
export const Roles = Reflector.createDecorator<string[]>();
