import { join } from 'node:path';
import { importCircles, importDepth, readSourceLiterals, readSourceStructure } from '../../scripts/lib/source-structure';

/** An import graph from `a>b,c` entries (a imports b and c). */
const graph = (...entries: string[]) =>
  new Map(
    entries.map((entry) => {
      const [file, targets = ''] = entry.split('>');
      return [file, targets ? targets.split(',') : []];
    }),
  );

describe('the structure tools (scripts/lib/source-structure.ts)', () => {
  it.each<[string, Map<string, string[]>, string[][]]>([
    ['no circle in a chain', graph('a>b', 'b>c', 'c'), []],
    ['a circle of two', graph('a>b', 'b>a'), [['a', 'b']]],
    ['a circle of three behind a file that imports it', graph('x>a', 'a>b', 'b>c', 'c>a'), [['a', 'b', 'c']]],
    ['a file that imports itself', graph('a>a,b', 'b'), [['a']]],
    ['two files importing a third (a diamond, no circle)', graph('a>b,c', 'b>d', 'c>d', 'd'), []],
  ])('finds the import circles: %s', (_name, imports, circles) => {
    expect(importCircles(imports)).toEqual(circles);
  });

  it.each<[string, Map<string, string[]>, number]>([
    ['one file', graph('a'), 1],
    ['a chain of three', graph('a>b', 'b>c', 'c'), 3],
    ['the longest of two branches', graph('a>b,c', 'b', 'c>d', 'd>e', 'e'), 4],
    ['a circle counts as one floor', graph('a>b', 'b>c', 'c>b,d', 'd'), 3],
  ])('measures how many floors deep the imports go: %s', (_name, imports, depth) => {
    expect(importDepth(imports).depth).toBe(depth);
  });
});

describe('libs/transcode and the libs that use it', () => {
  const transcode = readSourceStructure(join(__dirname, 'src'));

  it('has no import circle (type imports included: a circle of them still ties the files together)', () => {
    expect(transcode.files.length).toBeGreaterThan(40);
    expect(importCircles(transcode.imports)).toEqual([]);
  });

  it('write the HLS names (segment names, playlist names, the stream route) in hls/hls-names.ts alone', () => {
    // libs/ffmpeg imports no transcode code: its command builder keeps the default prefix of a
    // caller that names none. libs/recordings reads Frigate's own /vod URL, upstream of us.
    // libs/client's types are generated from the OpenAPI document, which the drift test keeps equal to the routes.
    const allowed = new Set([
      'transcode/src/hls/hls-names.ts',
      'ffmpeg/src/ffmpeg-command.builder.ts',
      'recordings/src/frigate-vod-recording.source.ts',
      'client/src/api-types.generated.ts',
    ]);
    const written = readSourceLiterals(join(__dirname, '..'))
      .filter(({ file }) => file.split('/')[1] === 'src')
      .filter(({ text }) => /seg_|stream\\?\/transcode|master\\?\.m3u8|index\\?\.m3u8/.test(text));
    expect(written.filter(({ file }) => file.startsWith('transcode/src/hls/')).length).toBeGreaterThan(0);
    expect(written.filter(({ file }) => !allowed.has(file)).map(({ file, line, text }) => `${file}:${line} ${text}`)).toEqual([]);
  });
});
