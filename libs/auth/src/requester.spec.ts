import { requesterOf } from './principal';

describe('requesterOf: who the creation limits count', () => {
  it.each([
    ['a signed-in user, by name', { kind: 'user' as const, sub: 'alice', roles: ['viewer'] }, '10.0.0.5', 'user:alice'],
    ['auth off (everyone is "anonymous"): by address', { kind: 'user' as const, sub: 'anonymous', roles: ['admin'] }, '10.0.0.5', 'ip:10.0.0.5'],
    ['a stream token: by address', { kind: 'stream' as const, sub: 'stream', roles: [], sessionId: 's', camera: 'c' }, '10.0.0.6', 'ip:10.0.0.6'],
    ['nobody known and no address', undefined, undefined, 'ip:unknown'],
  ])('%s', (_name, principal, ip, expected) => {
    expect(requesterOf(principal, ip)).toBe(expected);
  });
});
