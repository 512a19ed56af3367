import { Mp4ExportOptions, buildMp4ExportArgs } from './ffmpeg-mp4-export';

const BASE: Mp4ExportOptions = {
  outputPath: '/tmp/t/0123456789abcdef0123456789abcdef/export.mp4',
  creationTime: new Date(Date.UTC(2023, 10, 14, 22, 13, 23, 400)),
  audio: true,
};

const INPUT = [
  '-hide_banner',
  '-nostdin',
  '-loglevel',
  'warning',
  '-nostats',
  '-protocol_whitelist',
  'pipe',
  '-format_whitelist',
  'mpegts',
  '-f',
  'mpegts',
  '-i',
  'pipe:0',
];

describe('buildMp4ExportArgs', () => {
  it.each<[string, Partial<Mp4ExportOptions>, string[]]>([
    [
      'with audio: both tracks copied, ADTS headers stripped for MP4',
      {},
      [
        ...INPUT,
        '-map',
        '0:v:0',
        '-map',
        '0:a:0?',
        '-c',
        'copy',
        '-bsf:a',
        'aac_adtstoasc',
        '-movflags',
        '+faststart',
        '-metadata',
        'creation_time=2023-11-14T22:13:23.400Z',
        '-f',
        'mp4',
        BASE.outputPath,
      ],
    ],
    [
      'without audio: video only, no audio filter',
      { audio: false, creationTime: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)) },
      [...INPUT, '-map', '0:v:0', '-c', 'copy', '-movflags', '+faststart', '-metadata', 'creation_time=2024-01-02T03:04:05.000Z', '-f', 'mp4', BASE.outputPath],
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(buildMp4ExportArgs({ ...BASE, ...overrides })).toEqual(expected);
  });

  it('never encodes: no codec other than copy is named', () => {
    const args = buildMp4ExportArgs(BASE);
    expect(args.filter((arg, i) => /^-c(:[va])?$/.test(args[i - 1] ?? '') && arg !== 'copy')).toEqual([]);
  });
});
