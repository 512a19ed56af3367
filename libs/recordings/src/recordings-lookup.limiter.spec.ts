import { RECORDINGS_LOOKUP_LIMIT, RecordingsLookupLimiter, TooManyRecordingsLookupsException } from './recordings-lookup.limiter';

describe('RecordingsLookupLimiter', () => {
  let limiter: RecordingsLookupLimiter;
  beforeEach(() => (limiter = new RecordingsLookupLimiter()));
  afterEach(() => limiter.onApplicationShutdown());

  it('runs identical lookups once, in flight and for a few seconds after, whoever asks', async () => {
    let scans = 0;
    const lookup = async () => {
      scans += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return { spans: scans };
    };
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => limiter.run(`user:u${i % 3}`, 'porch/0/604800', lookup, 1_000)));
    expect(scans).toBe(1);
    expect(new Set(answers.map((answer) => answer.spans))).toEqual(new Set([1]));
    await limiter.run('user:u0', 'porch/0/604800', lookup, 5_000);
    expect(scans).toBe(1);
    await limiter.run('user:u0', 'porch/0/604800', lookup, 12_000);
    expect(scans).toBe(2);
  });

  it(`answers 429 with Retry-After past ${RECORDINGS_LOOKUP_LIMIT} lookups a minute by one user, and not for another`, async () => {
    for (let i = 0; i < RECORDINGS_LOOKUP_LIMIT; i += 1) await limiter.run('user:greedy', `porch/${i}/${i + 1}`, async () => i);
    const refused = await limiter.run('user:greedy', 'porch/x/y', async () => 0).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TooManyRecordingsLookupsException);
    expect((refused as TooManyRecordingsLookupsException).responseHeaders['Retry-After']).toMatch(/^\d+$/);
    await expect(limiter.run('user:other', 'porch/x/y', async () => 1)).resolves.toBe(1);
  });

  it('keeps no failed lookup: the next one tries again', async () => {
    await expect(limiter.run('user:a', 'k', async () => Promise.reject(new Error('disk away')), 1_000)).rejects.toThrow('disk away');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(limiter.run('user:a', 'k', async () => 'ok', 2_000)).resolves.toBe('ok');
  });
});
