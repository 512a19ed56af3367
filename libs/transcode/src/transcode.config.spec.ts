import 'reflect-metadata';
import { InvalidSettingError } from '@app/common';
import { captureError } from '../../../test/support/capture-error';
import { transcodeConfig } from './transcode.config';

describe('transcodeConfig', () => {
  let savedEnv: NodeJS.ProcessEnv;

  beforeEach(() => {
    savedEnv = { ...process.env };
    for (const name of ['MAX_USER_SHARE', 'EXPORT_MAX_SECONDS']) delete process.env[name];
  });

  afterEach(() => {
    process.env = savedEnv;
  });

  it('defaults to half the slots a user and half an hour an export', () => {
    expect(transcodeConfig()).toMatchObject({ maxUserShare: 0.5, exportMaxSeconds: 1800 });
  });

  it('reads MAX_USER_SHARE as a fraction and EXPORT_MAX_SECONDS as seconds', () => {
    Object.assign(process.env, { MAX_USER_SHARE: '0.25', EXPORT_MAX_SECONDS: '600' });
    expect(transcodeConfig()).toMatchObject({ maxUserShare: 0.25, exportMaxSeconds: 600 });
  });

  it.each([
    ['MAX_USER_SHARE', '0'],
    ['MAX_USER_SHARE', '1.5'],
    ['MAX_USER_SHARE', 'half'],
    ['EXPORT_MAX_SECONDS', '0'],
    ['EXPORT_MAX_SECONDS', '90.5'],
  ])('stops at %s=%s with one line naming it', (name, value) => {
    process.env[name] = value;
    const error = captureError(() => transcodeConfig());
    expect(error).toBeInstanceOf(InvalidSettingError);
    expect(error.message).toContain(`Invalid setting ${name}=`);
  });
});
