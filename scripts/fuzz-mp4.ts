/**
 * `npm run fuzz [-- --runs 200000] [--seed N]`: fuzzes the in-process MP4 readers on real
 * recordings (the camera zoo's and a few more kinds, made on first use), mutated and truncated,
 * each case in a worker with a time and a heap bound. Prints the count, the time and how the
 * cases ended; keeps each failure as a regression file in test/mp4-fuzz-regressions (commit it:
 * the e2e suite reads every one again) and exits 1 when there was any.
 */
import { parseArgs } from 'node:util';
import { makeFixtures } from '../test/support/global-setup';
import { loadFuzzBases } from '../test/support/mp4-fuzz-corpus';
import { Mp4FuzzHarness, fuzzReaders, saveRegression } from '../test/support/mp4-fuzz-harness';

const USAGE = 'usage: npm run fuzz -- [--runs <cases, default 100000>] [--seed <integer>]';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string' } } });
  const runs = Number(values.runs);
  const seed = values.seed !== undefined ? Number(values.seed) : Date.now() % 2 ** 31;
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) throw new Error(USAGE);
  await makeFixtures();
  const bases = await loadFuzzBases();
  const harness = new Mp4FuzzHarness();
  console.log(`[fuzz] ${runs} cases over ${bases.length} recordings, seed ${seed}`);
  try {
    const report = await fuzzReaders(harness, bases, {
      runs,
      seed,
      onFailure: async (failure) => {
        const path = await saveRegression(failure);
        console.log(`[fuzz] FAILURE on ${failure.base}: ${failure.failure.split('\n')[0]}\n[fuzz]   kept as ${path}`);
      },
    });
    const outcomes = Object.entries(report.outcomes)
      .sort(([, a], [, b]) => b - a)
      .map(([outcome, count]) => `${outcome} ${count}`)
      .join(', ');
    console.log(
      `[fuzz] ${report.cases} cases (${runs} generated, the rest shrinking) in ${report.seconds.toFixed(1)} s, ${Math.round(report.cases / report.seconds)}/s`,
    );
    console.log(`[fuzz] outcomes: ${outcomes}`);
    console.log(`[fuzz] children restarted: ${harness.restarts}; failures: ${report.failures.length}`);
    return report.failures.length ? 1 : 0;
  } finally {
    await harness.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`[fuzz] ${(error as Error).message}`);
    process.exit(2);
  },
);
