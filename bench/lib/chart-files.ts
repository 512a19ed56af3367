/**
 * The benchmark's charts on disk: reads the last results (bench/results/latest.json from
 * `npm run bench`, load.json from `npm run load`, whichever exist), and writes one SVG per chart
 * into docs/bench/. A chart whose measures are not in the results is not rewritten.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BenchResults, LoadResults, benchCharts } from './charts';
import { chartSvgs } from './chart-svg';

export interface ChartPaths {
  resultsDir: string;
  outputDir: string;
}

/** Renders every chart the results allow; the paths written. */
export async function writeBenchCharts({ resultsDir, outputDir }: ChartPaths): Promise<string[]> {
  const bench = await readJson<BenchResults>(join(resultsDir, 'latest.json'));
  const load = await readJson<LoadResults>(join(resultsDir, 'load.json'));
  await mkdir(outputDir, { recursive: true });
  const charts = benchCharts(bench, load);
  if (charts.length === 0) return [];
  const svgs = await chartSvgs(charts.map((chart) => chart.spec));
  const written: string[] = [];
  for (const [index, chart] of charts.entries()) {
    const path = join(outputDir, `${chart.name}.svg`);
    await writeFile(path, `${svgs[index]}\n`);
    written.push(path);
  }
  return written;
}

async function readJson<T>(path: string): Promise<T | null> {
  return existsSync(path) ? (JSON.parse(await readFile(path, 'utf8')) as T) : null;
}
