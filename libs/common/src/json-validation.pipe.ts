import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';

/**
 * class-validator with the service's error shape: 400 `{"success": false, "message": "..."}`,
 * the message naming each wrong field. Unknown query fields are rejected, not ignored.
 */
export function createJsonValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    exceptionFactory: (errors: ValidationError[]) => new BadRequestException({ success: false, message: describeErrors(errors) }),
  });
}

function describeErrors(errors: ValidationError[]): string {
  return errors.flatMap((error) => [...Object.values(error.constraints ?? {}), ...(error.children?.length ? [describeErrors(error.children)] : [])]).join('; ');
}
