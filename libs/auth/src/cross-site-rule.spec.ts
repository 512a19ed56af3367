import { isCrossSiteCookieLogin } from './cross-site-rule';

describe('isCrossSiteCookieLogin', () => {
  it.each([
    ['a page on another site, the cookie alone', { 'sec-fetch-site': 'cross-site', cookie: 'frigate_token=t' }, [], true],
    ['a navigation from another site (Sec-Fetch-Dest: document)', { 'sec-fetch-site': 'cross-site', 'sec-fetch-dest': 'document', cookie: 'c' }, [], true],
    ['the same site', { 'sec-fetch-site': 'same-site', cookie: 'c' }, [], false],
    ['the same origin', { 'sec-fetch-site': 'same-origin', cookie: 'c' }, [], false],
    ['typed in or a bookmark', { 'sec-fetch-site': 'none', cookie: 'c' }, [], false],
    ['no Sec-Fetch-* (an older browser, Home Assistant, curl)', { cookie: 'c' }, [], false],
    ['a bearer token, sent on purpose', { 'sec-fetch-site': 'cross-site', authorization: 'Bearer t' }, [], false],
    [
      'an origin trusted with the cookie (CORS_ORIGINS)',
      { 'sec-fetch-site': 'cross-site', origin: 'https://ha.example', cookie: 'c' },
      ['https://ha.example'],
      false,
    ],
    ['an origin not trusted', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.example', cookie: 'c' }, ['https://ha.example'], true],
  ])('%s', (_name, headers, trusted, refused) => {
    expect(isCrossSiteCookieLogin(headers, trusted)).toBe(refused);
  });
});
