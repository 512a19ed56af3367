import {
  RECORDINGS_LOOKUPS_IN_FLIGHT,
  RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER,
  RECORDINGS_LOOKUP_LIMIT,
  RecordingsLookupLimiter,
  TooManyRecordingsLookupsException,
} from './recordings-lookup.limiter';

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

  it(`runs at most ${RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER} different lookups of one user at once and ${RECORDINGS_LOOKUPS_IN_FLIGHT} in all: the rest are 429 at once, and a slot frees when a scan ends`, async () => {
    const scans: (() => void)[] = [];
    const slowScan = () => new Promise<string>((resolve) => scans.push(() => resolve('done')));
    const refused = (promise: Promise<unknown>) => promise.then(() => null).catch((error: unknown) => error as TooManyRecordingsLookupsException);

    const greedy = Array.from({ length: RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER }, (_, i) => limiter.run('user:greedy', `porch/${i}/1`, slowScan));
    const tooMany = await refused(limiter.run('user:greedy', 'porch/9/1', slowScan));
    expect(tooMany).toBeInstanceOf(TooManyRecordingsLookupsException);
    expect(tooMany!.responseHeaders['Retry-After']).toBe('1');
    expect(tooMany!.getResponse()).toEqual({ success: false, message: expect.stringContaining('at once per user') });
    // Someone else's identical lookup joins a running scan: no slot, no 429.
    const joined = limiter.run('user:other', 'porch/0/1', slowScan);

    const others = Array.from({ length: RECORDINGS_LOOKUPS_IN_FLIGHT - RECORDINGS_LOOKUPS_IN_FLIGHT_PER_USER }, (_, i) =>
      limiter.run(`user:u${i}`, `yard/${i}/1`, slowScan),
    );
    expect(await refused(limiter.run('user:late', 'yard/x/1', slowScan))).toBeInstanceOf(TooManyRecordingsLookupsException);
    expect(scans).toHaveLength(RECORDINGS_LOOKUPS_IN_FLIGHT);

    scans.shift()!();
    await greedy[0];
    await expect(joined).resolves.toBe('done');
    const next = limiter.run('user:greedy', 'porch/9/1', slowScan);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans).toHaveLength(RECORDINGS_LOOKUPS_IN_FLIGHT);
    for (const finish of scans.splice(0)) finish();
    await Promise.all([next, ...greedy, ...others]);
  });

  it('gives the slot back when a lookup throws before its first await', async () => {
    const throwsAtOnce = (): Promise<string> => {
      throw new Error('bad window');
    };
    for (let i = 0; i <= RECORDINGS_LOOKUPS_IN_FLIGHT; i += 1) {
      await expect(limiter.run('user:a', `porch/${i}/1`, throwsAtOnce)).rejects.toThrow('bad window');
    }
    await expect(limiter.run('user:a', 'porch/ok/1', async () => 'ok')).resolves.toBe('ok');
  });

  it('caps callers known only by address in all, not one by one (behind a proxy they share its address)', async () => {
    const scans: (() => void)[] = [];
    const slowScan = () => new Promise<string>((resolve) => scans.push(() => resolve('done')));
    const viewers = Array.from({ length: RECORDINGS_LOOKUPS_IN_FLIGHT }, (_, i) => limiter.run('ip:10.0.0.1', `porch/${i}/1`, slowScan));
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans).toHaveLength(RECORDINGS_LOOKUPS_IN_FLIGHT);
    await expect(limiter.run('ip:10.0.0.1', 'porch/x/1', slowScan)).rejects.toBeInstanceOf(TooManyRecordingsLookupsException);
    for (const finish of scans.splice(0)) finish();
    await Promise.all(viewers);
  });

  it('keeps no failed lookup: the next one tries again', async () => {
    await expect(limiter.run('user:a', 'k', async () => Promise.reject(new Error('disk away')), 1_000)).rejects.toThrow('disk away');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(limiter.run('user:a', 'k', async () => 'ok', 2_000)).resolves.toBe('ok');
  });
});
