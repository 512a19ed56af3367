/**
 * Vega-Lite specs (a JSON array on stdin) rendered to SVG (a JSON array of strings on stdout): each
 * compiled to Vega and run in a headless View (renderer "none": no browser, no canvas; text widths
 * are estimated), serialised by Vega's own SVG renderer. An ES module run as its own process
 * because Vega 6 is ESM only, with a top-level await, which the bench's CommonJS (tsx, ts-jest)
 * cannot require.
 */
import { Buffer } from 'node:buffer';
import process from 'node:process';
import { View, parse } from 'vega';
import { compile } from 'vega-lite';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const specs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const svgs = [];
for (const spec of specs) {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    svgs.push(await view.toSVG());
  } finally {
    view.finalize();
  }
}
process.stdout.write(JSON.stringify(svgs));
