import type { HttpAdapterHost } from '@nestjs/core';
import { InvalidSettingError } from '@app/common';
import { TranscodeEvents } from '@app/transcode';
import { readFrontDoorSettings } from './front-door.config';
import { FrontDoorServer } from './front-door.server';
import type { VodRequestHandler } from './vod-request.handler';
import type { FrigateProxy } from './frigate-proxy';

describe('front door settings', () => {
  it.each([
    ['nothing set: no front door', {}, { authCacheSeconds: 5 }],
    [
      'a port and Frigate’s address',
      { FRONT_DOOR_PORT: '8972', FRIGATE_URL: 'http://frigate:8971/' },
      { port: 8972, frigateUrl: 'http://frigate:8971', authCacheSeconds: 5 },
    ],
    ['Frigate’s address alone: still off', { FRIGATE_URL: 'http://frigate:5000' }, { frigateUrl: 'http://frigate:5000', authCacheSeconds: 5 }],
    [
      'the auth cache turned off',
      { FRONT_DOOR_PORT: '8972', FRIGATE_URL: 'https://nvr.lan', FRONT_DOOR_AUTH_CACHE_SECONDS: '0' },
      { port: 8972, frigateUrl: 'https://nvr.lan', authCacheSeconds: 0 },
    ],
  ])('%s', (_name, env, expected) => {
    expect(readFrontDoorSettings(env)).toEqual(expected);
  });

  it.each([
    ['a port without Frigate’s address', { FRONT_DOOR_PORT: '8972' }, /FRIGATE_URL: required when FRONT_DOOR_PORT is set/],
    ['an address with a path', { FRONT_DOOR_PORT: '8972', FRIGATE_URL: 'http://frigate:8971/api' }, /FRIGATE_URL.*Frigate's address/],
    ['not a port', { FRONT_DOOR_PORT: '70000', FRIGATE_URL: 'http://frigate:8971' }, /FRONT_DOOR_PORT/],
  ])('refuses %s', (_name, env, message) => {
    expect(() => readFrontDoorSettings(env)).toThrow(InvalidSettingError);
    expect(() => readFrontDoorSettings(env)).toThrow(message);
  });

  it('listens nowhere when FRONT_DOOR_PORT is unset', async () => {
    const server = new FrontDoorServer(
      { ...readFrontDoorSettings({ FRIGATE_URL: 'http://frigate:8971' }) },
      {} as VodRequestHandler,
      {} as FrigateProxy,
      {} as HttpAdapterHost,
      new TranscodeEvents(),
    );
    await server.onApplicationBootstrap();
    expect(server.port).toBeNull();
    await server.beforeApplicationShutdown();
  });
});
