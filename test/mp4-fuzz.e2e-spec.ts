import { FUZZ_BASES, FuzzBase, loadFuzzBases } from './support/mp4-fuzz-corpus';
import { Mp4FuzzHarness, fuzzReaders, loadRegressions } from './support/mp4-fuzz-harness';

/** Cases a run of the suite reads (`npm run fuzz` reads many more); FUZZ_RUNS and FUZZ_SEED change them. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/**
 * The in-process MP4 readers on real recordings, mutated and truncated (fast-check): every case
 * ends in a parsed header or an UnreadableRecordingError, within a time and a heap bound of its
 * own (see Mp4FuzzHarness), and every case a fuzz run ever failed on is read again.
 */
describe('MP4 readers on fuzzed recordings (real recordings, in a bounded child process)', () => {
  let bases: FuzzBase[];
  const harness = new Mp4FuzzHarness();

  beforeAll(async () => {
    bases = await loadFuzzBases();
  }, 120_000);

  afterAll(() => harness.close());

  it('reads every base recording as it is (H.264 and H.265, with and without audio, moov first and last, cut short, fragmented)', async () => {
    const outcomes = [];
    for (const base of bases) outcomes.push([base.name, await harness.run({ base: base.name, mutations: [] })]);
    expect(outcomes).toEqual(FUZZ_BASES.map((name) => [name, { outcome: name.includes('fragmented') ? 'no-duration' : 'parsed' }]));
  });

  it.each(loadRegressions().map(({ file, regression }) => [file, regression] as const))('reads the kept case %s without failing', async (_file, regression) => {
    const outcome = await harness.run(regression);
    expect(outcome).not.toHaveProperty('failure');
    if (regression.expect) expect(outcome).toEqual(regression.expect);
  });

  it(`ends each of ${RUNS} mutated or truncated recordings in a parsed header or an UnreadableRecordingError, within its bounds (seed ${SEED})`, async () => {
    const report = await fuzzReaders(harness, bases, { runs: RUNS, seed: SEED });
    // A failure prints as the case to keep in test/mp4-fuzz-regressions (npm run fuzz keeps it itself).
    expect(report.failures.map((failure) => JSON.stringify(failure))).toEqual([]);
    expect(report.cases).toBeGreaterThanOrEqual(RUNS);
  }, 600_000);
});
