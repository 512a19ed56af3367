import { childEnvironment, withParentDeathSignal } from './child-environment';

describe('childEnvironment: what ffmpeg sees of the service’s environment', () => {
  it('keeps what programs, locale and GPU drivers need, and none of the service’s secrets', () => {
    const env = childEnvironment({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'UTC',
      LIBVA_DRIVER_NAME: 'iHD',
      CUDA_VISIBLE_DEVICES: '0',
      JWT_SECRET: 'secret',
      CLUSTER_SECRET: 'secret',
      REDIS_URL: 'redis://:password@redis:6379',
      FRIGATE_URL: 'http://frigate:8971',
      AWS_SECRET_ACCESS_KEY: 'x',
      NODE_OPTIONS: '--inspect',
    });
    expect(env).toEqual({ PATH: '/usr/bin', LANG: 'C.UTF-8', LC_ALL: 'C', TZ: 'UTC', LIBVA_DRIVER_NAME: 'iHD', CUDA_VISIBLE_DEVICES: '0' });
  });
});

describe('withParentDeathSignal', () => {
  it('starts the command through setpriv, which execs it with a parent-death signal', () => {
    expect(withParentDeathSignal('ffmpeg', ['-i', 'a b'], '/usr/bin/setpriv', () => true)).toEqual([
      '/usr/bin/setpriv',
      ['--pdeathsig', 'KILL', '--', 'ffmpeg', '-i', 'a b'],
    ]);
  });

  it('starts it as it is without setpriv, or when it cannot be run (its spawn error then says why)', () => {
    expect(withParentDeathSignal('ffmpeg', ['-version'], null)).toEqual(['ffmpeg', ['-version']]);
    expect(withParentDeathSignal('/nonexistent/ffmpeg', ['-version'], '/usr/bin/setpriv')).toEqual(['/nonexistent/ffmpeg', ['-version']]);
  });
});
