import { TooManyRecordingsLookupsException } from './lookup-slots';
import { RECORDINGS_LOOKUP_LIMIT, RECORDINGS_LOOKUP_SLOTS, RecordingsLookupLimiter } from './recordings-lookup.limiter';

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

  it('gives the slot back when a lookup throws before its first await', async () => {
    const throwsAtOnce = (): Promise<string> => {
      throw new Error('bad window');
    };
    for (let i = 0; i <= RECORDINGS_LOOKUP_SLOTS.total; i += 1) {
      await expect(limiter.run('user:a', `porch/${i}/1`, throwsAtOnce)).rejects.toThrow('bad window');
    }
    await expect(limiter.run('user:a', 'porch/ok/1', async () => 'ok')).resolves.toBe('ok');
  });

  it('lets a lookup that waited for its slot join an identical one that started meanwhile', async () => {
    const scans: (() => void)[] = [];
    const slowScan = () => new Promise<string>((resolve) => scans.push(() => resolve(`scan ${scans.length}`)));
    const running = [limiter.run('user:a', 'porch/0/1', slowScan), limiter.run('user:a', 'porch/1/1', slowScan)];
    const waitingA = limiter.run('user:a', 'porch/2/1', slowScan);
    const waitingB = limiter.run('user:a', 'porch/2/1', slowScan);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans).toHaveLength(2);
    scans[0]();
    scans[1]();
    await Promise.all(running);
    await new Promise((resolve) => setImmediate(resolve));
    expect(scans).toHaveLength(3); // one scan for both
    scans[2]();
    expect(await Promise.all([waitingA, waitingB])).toEqual(['scan 3', 'scan 3']);
  });

  it('keeps no failed lookup: the next one tries again', async () => {
    await expect(limiter.run('user:a', 'k', async () => Promise.reject(new Error('disk away')), 1_000)).rejects.toThrow('disk away');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(limiter.run('user:a', 'k', async () => 'ok', 2_000)).resolves.toBe('ok');
  });
});
