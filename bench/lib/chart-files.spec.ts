import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeBenchCharts } from './chart-files';
import { provenance } from './charts';
import { sampleBench, sampleLoad } from './sample-results';

/**
 * The root element's name when `xml` is well-formed (one root; every tag closed, in order;
 * attributes quoted; no bare < or & in text), else null.
 */
function wellFormedRoot(xml: string): string | null {
  const token = /<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const open: string[] = [];
  let root: string | null = null;
  let closedRoot = false;
  for (let at = 0; at < xml.length; at = token.lastIndex) {
    token.lastIndex = at;
    const match = token.exec(xml);
    if (!match) return null;
    const [, closing, name, , selfClosing, text] = match;
    if (text !== undefined) {
      if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[\da-f]+);)/i.test(text) || (text.trim() && open.length === 0)) return null;
      continue;
    }
    if (closedRoot) return null;
    if (closing) {
      if (open.pop() !== name) return null;
    } else {
      root ??= name;
      if (!selfClosing) open.push(name);
    }
    closedRoot = open.length === 0;
  }
  return open.length === 0 ? root : null;
}

describe('the benchmark charts on disk', () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'bench-charts-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['<svg a="1"><g><text>0.31 s</text></g><rect/></svg>', 'svg'],
    ['<svg><g></svg></g>', null],
    ['<svg><g></svg>', null],
    ['<svg a=1></svg>', null],
    ['<svg></svg><svg></svg>', null],
    ['<svg><text>a & b</text></svg>', null],
    ['<svg><text>a &amp; b</text></svg>', 'svg'],
  ])('the well-formedness check reads %s as %s', (xml, root) => {
    expect(wellFormedRoot(xml)).toBe(root);
  });

  it('renders the results of a small run into one well-formed SVG per chart, naming its values, its date and its machine', async () => {
    await writeFile(join(dir, 'latest.json'), JSON.stringify(sampleBench));
    await writeFile(join(dir, 'load.json'), JSON.stringify(sampleLoad));
    const written = await writeBenchCharts({ resultsDir: dir, outputDir: join(dir, 'charts') });

    expect((await readdir(join(dir, 'charts'))).sort()).toEqual(['cpu-per-minute.svg', 'first-segment-and-seek.svg', 'serving.svg', 'viewers.svg']);
    expect(written).toHaveLength(4);
    const svg = async (name: string) => readFile(join(dir, 'charts', `${name}.svg`), 'utf8');
    const expected: [string, string[], string][] = [
      ['first-segment-and-seek', ['0.31 s', '3.20 s', '0.42 s', '1000.00 s', '0.31 s', '0.61 s', '0.52 s'], provenance(sampleBench)],
      ['viewers', ['>7<', '>7.46<', '>3<'], provenance(sampleBench)],
      ['cpu-per-minute', ['30.00 CPU-s', '12.00 CPU-s', '4.00 CPU-s', '31.00 CPU-s', '18.00 CPU-s', '0.50 CPU-s', '28.00 CPU-s'], provenance(sampleBench)],
      ['serving', ['1,805/s', '2,001/s', '5,004/s'], provenance(sampleLoad)],
    ];
    for (const [name, labels, source] of expected) {
      const text = await svg(name);
      expect(wellFormedRoot(text.trim())).toBe('svg');
      for (const label of labels) expect(text).toContain(label);
      expect(text).toContain(source);
    }
  });

  it('writes nothing when there are no results', async () => {
    expect(await writeBenchCharts({ resultsDir: dir, outputDir: join(dir, 'charts') })).toEqual([]);
    expect(await readdir(join(dir, 'charts'))).toEqual([]);
  });
});
