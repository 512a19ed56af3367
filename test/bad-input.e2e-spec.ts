import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { sign } from 'jsonwebtoken';
import { FIXTURES_DIR, FRONT, T0 } from './support/fixtures';
import { TestApp, startTestApp } from './support/test-app';

/**
 * Property-based: whatever arrives in a route parameter, query or header, the answer is a 4xx
 * with a JSON message (or a normal answer for what happens to be valid), never a 5xx, a hang or
 * a stack trace, and nothing outside TRANSCODE_DIR changes. Over 10,000 generated requests.
 */
const SECRET = 'bad-input-secret-0123456789abcdefghij';
const ADMIN = sign({ sub: 'admin', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, SECRET, { algorithm: 'HS256' });
/** A request that takes longer than this counts as a hang. */
const REQUEST_DEADLINE_MS = 15_000;

interface Answer {
  status: number;
  body: string;
  type: string;
}

/** A raw HTTP request: the path goes out exactly as given (fetch would normalise `..` away). */
function raw(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { authorization: `Bearer ${ADMIN}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), type: String(res.headers['content-type'] ?? '') }),
      );
    });
    req.setTimeout(REQUEST_DEADLINE_MS, () => req.destroy(new Error(`no answer within ${REQUEST_DEADLINE_MS} ms: ${method} ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

/** Percent-encodes what an HTTP client must (controls, spaces, non-ASCII, #, ?), leaving `/`, `.` and `%` raw. */
function pathSafe(text: string): string {
  return [...text].map((char) => (/^[\x21-\x7e]$/.test(char) && char !== '#' && char !== '?' ? char : encodeURIComponent(char))).join('');
}

/** What a hostile or sloppy client puts in a path segment. */
const hostileSegment = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom(
    '..',
    '.',
    '../..',
    '..%2f..%2fetc%2fpasswd',
    '%2e%2e%2f%2e%2e',
    '%2F',
    '%00',
    '%',
    '%zz',
    '..\\..\\windows',
    '/etc/passwd',
    '%252e%252e',
    'master.m3u8/../../x',
    'seg_00000.ts%00.mp4',
    '....//',
    'front%2F..%2Fback',
  ),
  fc.string({ minLength: 100, maxLength: 5000 }),
  fc.stringMatching(/^[a-z0-9_-]{1,70}$/),
);

/** What arrives where an epoch timestamp is expected. */
const hostileNumber = fc.oneof(
  fc.constantFrom(
    'NaN',
    'Infinity',
    '-Infinity',
    '1e9',
    '1E10',
    '-1',
    '0x10',
    '+1700000000',
    ' 1700000000',
    '1700000000 ',
    '1_700_000_000',
    '',
    '.5',
    '5.',
    '1.2.3',
    '99999999999999999999',
    '1700000000.1234567',
  ),
  fc.double().map(String),
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.string({ maxLength: 15 }),
  // Valid-looking epochs, reversed ranges included (no recordings there: nothing starts).
  fc.integer({ min: 0, max: 99_999_999_999 }).map(String),
);

/** Tokens that are not valid ones. */
const hostileToken = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.base64String({ maxLength: 200 }),
  fc.tuple(fc.base64String({ maxLength: 60 }), fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 60 })).map((parts) => parts.join('.')),
  fc.record({ alg: fc.constantFrom('none', 'HS256', 'RS256', 'ES256', 'HS512', ''), typ: fc.constantFrom('JWT', 'x') }).chain((header) =>
    fc.jsonValue().map((payload) => {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url');
      return `${part(header)}.${part(payload)}.${Buffer.from('sig').toString('base64url')}`;
    }),
  ),
  fc.constant(sign({ sub: 'x', role: 'admin', exp: 1 }, SECRET, { algorithm: 'HS256' })),
  fc.constant(sign({ sub: 'x', role: 'admin' }, 'another-secret', { algorithm: 'HS256' })),
);

/** A file tree's names, sizes and modification times: what must not change. */
async function snapshot(root: string, skip: string): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const walk = async (dir: string) => {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const path = join(dir, name);
      if (path === skip) continue;
      const info = await lstat(path);
      entries.set(path, `${info.size}:${info.mtimeMs}`);
      if (info.isDirectory()) await walk(path);
    }
  };
  await walk(root);
  return entries;
}

describe('bad input, property-based (e2e)', () => {
  let app: TestApp;
  let scratchRoot: string;
  const before = new Map<string, Map<string, string>>();
  let requests = 0;

  /** The rule every answer keeps. */
  function expectSafe(answer: Answer, what: string): void {
    requests += 1;
    if (answer.status >= 500 || answer.status < 200) throw new Error(`${what} → ${answer.status}: ${answer.body.slice(0, 300)}`);
    if (answer.status >= 400) {
      if (!answer.type.includes('application/json')) throw new Error(`${what} → ${answer.status} is not JSON: ${answer.body.slice(0, 200)}`);
      const body = JSON.parse(answer.body) as { success?: unknown; message?: unknown };
      if (body.success !== false || typeof body.message !== 'string' || body.message === '') {
        throw new Error(`${what} → ${answer.status} without a JSON message: ${answer.body.slice(0, 200)}`);
      }
      if (/\n\s+at /.test(answer.body)) throw new Error(`${what} → a stack trace: ${answer.body.slice(0, 300)}`);
    }
  }

  beforeAll(async () => {
    app = await startTestApp({
      AUTH_DISABLED: 'false',
      JWT_SECRET: SECRET,
      SESSION_CREATE_LIMIT: '1000000',
      MAX_CONCURRENT_TRANSCODES: '4',
    });
    scratchRoot = join(app.transcodeDir, '..');
    before.set('scratch', await snapshot(scratchRoot, app.transcodeDir));
    before.set('fixtures', await snapshot(FIXTURES_DIR, join(FIXTURES_DIR, 'never-skipped')));
  });

  afterAll(async () => {
    await app.close();
    process.stdout.write(`[bad-input] ${requests} generated requests\n`);
  });

  it('create: any camera and timestamps (traversal, unicode, huge, NaN, Infinity, exponents, signs, reversed)', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, hostileNumber, hostileNumber, async (camera, start, end) => {
        const path = `/transcode/${pathSafe(camera)}/start/${pathSafe(start)}/end/${pathSafe(end)}`;
        expectSafe(await raw(app.baseUrl, path), path);
      }),
      { numRuns: 3000 },
    );
  });

  it('stream: any session id and file name (traversal, encoded slashes)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileSegment, fc.stringMatching(/^[0-9a-f]{32}$/)),
        fc.oneof(hostileSegment, fc.constantFrom('master.m3u8', 'seg_00000.ts', 'seg_99999.ts', 'ffmpeg.pid', 'run-1.ffconcat')),
        async (sessionId, fileName) => {
          const path = `/stream/transcode/${pathSafe(sessionId)}/${pathSafe(fileName)}`;
          expectSafe(await raw(app.baseUrl, path), path);
          expectSafe(await raw(app.baseUrl, `${path}?token=${encodeURIComponent(fileName)}`, { authorization: '' }), `${path} (token)`);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('delete and the session list: any session id, any method', async () => {
    await fc.assert(
      fc.asyncProperty(hostileSegment, fc.constantFrom('DELETE', 'GET', 'POST', 'PUT', 'PATCH'), async (sessionId, method) => {
        const path = `/transcode/${pathSafe(sessionId)}`;
        expectSafe(await raw(app.baseUrl, path, {}, method), `${method} ${path}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('recordings: any camera, after and before (repeated, empty, reversed, a window too long)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(hostileSegment, fc.constant(FRONT.camera)),
        fc.option(hostileNumber),
        fc.option(hostileNumber),
        fc.boolean(),
        async (camera, after, before, repeat) => {
          const query = [
            after !== null ? `after=${encodeURIComponent(after)}` : '',
            before !== null ? `before=${encodeURIComponent(before)}` : '',
            repeat ? `after=${T0}&before=x` : '',
          ]
            .filter(Boolean)
            .join('&');
          const path = `/cameras/${pathSafe(camera)}/recordings?${query}`;
          expectSafe(await raw(app.baseUrl, path), path);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('headers: malformed tokens in Authorization and the cookie, any Origin and X-Request-Id', async () => {
    await fc.assert(
      fc.asyncProperty(
        hostileToken,
        fc.constantFrom('authorization', 'cookie', 'query'),
        fc.option(fc.oneof(fc.webUrl(), fc.string({ maxLength: 50 }))),
        fc.option(fc.string({ maxLength: 100 })),
        fc.constantFrom('/cameras', '/transcode/sessions', `/transcode/front/start/${T0}/end/${T0 + 10}`, `/stream/transcode/${'a'.repeat(32)}/master.m3u8`),
        async (token, where, origin, requestId, route) => {
          const headers: Record<string, string> = {};
          const clean = (value: string) => value.replace(/[^\x20-\x7e]/g, '');
          if (where === 'authorization') headers.authorization = `Bearer ${clean(token)}`;
          else headers.authorization = '';
          if (where === 'cookie') headers.cookie = `frigate_token=${clean(token)}`;
          if (origin !== null) headers.origin = clean(origin);
          if (requestId !== null) headers['x-request-id'] = clean(requestId);
          const path = where === 'query' ? `${route}?token=${encodeURIComponent(token)}` : route;
          const answer = await raw(app.baseUrl, path, headers);
          expectSafe(answer, `${route} with a ${where} token`);
          // None of these tokens is valid: the answer is never a success.
          if (answer.status < 400) throw new Error(`${route} accepted the token ${JSON.stringify(token).slice(0, 100)}`);
        },
      ),
      { numRuns: 2100 },
    );
  });

  it('ran at least 10,000 requests, wrote nothing outside TRANSCODE_DIR, and only session folders inside it', async () => {
    expect(requests).toBeGreaterThanOrEqual(10_000);
    expect(await snapshot(scratchRoot, app.transcodeDir)).toEqual(before.get('scratch'));
    expect(await snapshot(FIXTURES_DIR, join(FIXTURES_DIR, 'never-skipped'))).toEqual(before.get('fixtures'));
    for (const name of await readdir(app.transcodeDir)) expect(name).toMatch(/^[0-9a-f]{32}$/);
  });
});
