/** Vega-Lite specs rendered to SVG in Node, without a browser: by vega-render.mjs, in its own process (see there why). */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite/build/index';

const RENDERER = join(__dirname, 'vega-render.mjs');

/** The SVG of each spec, in order. */
export function chartSvgs(specs: TopLevelSpec[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RENDERER], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as string[]) : reject(new Error(`rendering the charts failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin.end(JSON.stringify(specs));
  });
}
