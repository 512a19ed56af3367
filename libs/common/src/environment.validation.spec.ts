import { captureError } from '../../../test/support/capture-error';
// @Type reads design metadata; Nest loads this polyfill in the app, a bare spec must do it itself.
import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min, MinLength } from 'class-validator';
import { InvalidSettingError, validateEnvironment } from './environment.validation';

class TestEnvironment {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT: number = 3000;

  @IsString()
  @IsNotEmpty()
  DATA_DIR: string = './data';

  @IsIn(['fast', 'slow'])
  MODE: string = 'fast';

  @IsString()
  @MinLength(32)
  JWT_SECRET: string = 'x'.repeat(32);
}

describe('validateEnvironment', () => {
  it('uses the defaults when the environment is empty', () => {
    const env = validateEnvironment(TestEnvironment, {});
    expect(env).toBeInstanceOf(TestEnvironment);
    expect(env).toMatchObject({ PORT: 3000, DATA_DIR: './data', MODE: 'fast' });
  });

  it('treats empty strings as unset, so the defaults apply', () => {
    const env = validateEnvironment(TestEnvironment, { PORT: '', DATA_DIR: '', MODE: '' });
    expect(env).toMatchObject({ PORT: 3000, DATA_DIR: './data', MODE: 'fast' });
  });

  it('converts numbers and keeps the given values', () => {
    const env = validateEnvironment(TestEnvironment, { PORT: '8080', DATA_DIR: '/srv/data', MODE: 'slow' });
    expect(env.PORT).toBe(8080);
    expect(typeof env.PORT).toBe('number');
    expect(env.DATA_DIR).toBe('/srv/data');
    expect(env.MODE).toBe('slow');
  });

  it('ignores variables the schema does not name', () => {
    const env = validateEnvironment(TestEnvironment, { PATH: '/usr/bin', HOME: '/root', PORT: '81' });
    expect(env.PORT).toBe(81);
  });

  it('reads process.env by default', () => {
    const saved = process.env.PORT;
    process.env.PORT = '4321';
    try {
      expect(validateEnvironment(TestEnvironment).PORT).toBe(4321);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT', '"abc"'],
    [{ PORT: '0' }, 'PORT', '"0"'],
    [{ PORT: '70000' }, 'PORT', '"70000"'],
    [{ PORT: '1.5' }, 'PORT', '"1.5"'],
    [{ MODE: 'turbo' }, 'MODE', '"turbo"'],
  ])('throws InvalidSettingError for %j, naming the variable and value on one line', (env, variable, quoted) => {
    const error = captureError(() => validateEnvironment(TestEnvironment, env));
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect(error.name).toBe('InvalidSettingError');
    expect(error.message).toMatch(new RegExp(`^Invalid setting ${variable}=`));
    expect(error.message).toContain(`${variable}=${quoted}`);
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('keeps the message on one line even when the value holds a line break', () => {
    const error = captureError(() => validateEnvironment(TestEnvironment, { PORT: '80\n81' }));
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect(error.message).toContain('PORT="80\\n81"');
    expect(error.message).not.toMatch(/[\r\n]/);
  });

  it('includes the validation rule that failed', () => {
    const error = captureError(() => validateEnvironment(TestEnvironment, { PORT: '70000' }));
    expect(error.message).toBe('Invalid setting PORT="70000": PORT must not be greater than 65535');
  });

  it('never puts a secret’s value into the message (it is logged), only its name', () => {
    const error = captureError(() => validateEnvironment(TestEnvironment, { JWT_SECRET: 'hunter2-short' }));
    expect(error.message).toMatch(/^Invalid setting JWT_SECRET: /);
    expect(error.message).not.toContain('hunter2');
  });
});
