/**
 * `npm run bench:charts`: renders docs/bench/*.svg again from the last results
 * (bench/results/latest.json and load.json), without measuring anything.
 */
import { join, relative, resolve } from 'node:path';
import { writeBenchCharts } from './lib/chart-files';

const ROOT = resolve(__dirname, '..');

writeBenchCharts({ resultsDir: join(ROOT, 'bench', 'results'), outputDir: join(ROOT, 'docs', 'bench') }).then(
  (written) =>
    process.stdout.write(written.length ? `charts: ${written.map((path) => relative(ROOT, path)).join(', ')}\n` : 'charts: no results in bench/results\n'),
  (error: unknown) => {
    process.stderr.write(`charts failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
