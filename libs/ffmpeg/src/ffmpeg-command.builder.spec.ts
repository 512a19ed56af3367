import {
  FfmpegCommandBuilder,
  HlsTranscodeOptions,
  SEGMENT_FILE_NAME_REGEX,
  SEGMENT_FILE_PATTERN,
  formatSeconds,
  segmentFileName,
} from './ffmpeg-command.builder';

const base: HlsTranscodeOptions = {
  concatListPath: '/var/transcode/abc/input.ffconcat',
  inputOffsetSeconds: 12.5,
  durationSeconds: 60,
  outputDir: '/var/transcode/abc',
  segmentDurationSeconds: 2,
  maxHeight: 720,
  preset: 'ultrafast',
  segmentListFd: 4,
  progressFd: 3,
};

/** The value that follows `flag` in argv (flags that occur once only). */
function valueAfter(argv: readonly string[], flag: string): string | undefined {
  const indices = argv.flatMap((arg, index) => (arg === flag ? [index] : []));
  if (indices.length !== 1) throw new Error(`${flag} occurs ${indices.length} times in argv`);
  return argv[indices[0] + 1];
}

describe('FfmpegCommandBuilder', () => {
  const builder = new FfmpegCommandBuilder();

  it('builds the exact argv for 2 s segments, 720p, no start number', () => {
    expect(builder.buildHlsTranscode(base)).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-nostats',
      '-protocol_whitelist',
      'file',
      '-f',
      'concat',
      '-safe',
      '0',
      '-ss',
      '12.5',
      '-i',
      '/var/transcode/abc/input.ffconcat',
      '-t',
      '60',
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-sn',
      '-dn',
      '-vf',
      "scale=w=-2:h='trunc(min(ih\\,720)/2)*2':out_range=tv,format=yuv420p",
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-crf',
      '23',
      '-profile:v',
      'high',
      '-level:v',
      '4.1',
      '-pix_fmt',
      'yuv420p',
      '-force_key_frames',
      'expr:gte(t,n_forced*2)',
      '-sc_threshold',
      '0',
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-f',
      'segment',
      '-segment_format',
      'mpegts',
      '-segment_time',
      '2',
      '-segment_start_number',
      '0',
      '-segment_list',
      'pipe:4',
      '-segment_list_type',
      'csv',
      '-progress',
      'pipe:3',
      '/var/transcode/abc/seg_%05d.ts',
    ]);
  });

  it.each([
    {
      name: '6 s segments, 480p, start number 7, veryfast',
      options: { segmentDurationSeconds: 6, maxHeight: 480, startNumber: 7, preset: 'veryfast' },
      keyframes: 'expr:gte(t,n_forced*6)',
      segmentTime: '6',
      height: 480,
      startNumber: '7',
      preset: 'veryfast',
    },
    {
      name: '6 s segments, odd max height 719 rounds down to 718, start number 0, medium',
      options: { segmentDurationSeconds: 6, maxHeight: 719, startNumber: 0, preset: 'medium' },
      keyframes: 'expr:gte(t,n_forced*6)',
      segmentTime: '6',
      height: 718,
      startNumber: '0',
      preset: 'medium',
    },
    {
      name: '2 s segments, 480p, start number 120, superfast',
      options: { segmentDurationSeconds: 2, maxHeight: 480, startNumber: 120, preset: 'superfast' },
      keyframes: 'expr:gte(t,n_forced*2)',
      segmentTime: '2',
      height: 480,
      startNumber: '120',
      preset: 'superfast',
    },
    {
      name: 'fractional 2.5 s segments, 1080p, no start number',
      options: { segmentDurationSeconds: 2.5, maxHeight: 1080 },
      keyframes: 'expr:gte(t,n_forced*2.5)',
      segmentTime: '2.5',
      height: 1080,
      startNumber: '0',
      preset: 'ultrafast',
    },
    {
      name: 'absurd max height 1 is clamped to 2',
      options: { maxHeight: 1 },
      keyframes: 'expr:gte(t,n_forced*2)',
      segmentTime: '2',
      height: 2,
      startNumber: '0',
      preset: 'ultrafast',
    },
  ])('$name', ({ options, keyframes, segmentTime, height, startNumber, preset }) => {
    const argv = builder.buildHlsTranscode({ ...base, ...options });
    expect(valueAfter(argv, '-force_key_frames')).toBe(keyframes);
    expect(valueAfter(argv, '-segment_time')).toBe(segmentTime);
    // The keyframe grid and the segment length are the same number: segments really have that length.
    expect(keyframes).toBe(`expr:gte(t,n_forced*${segmentTime})`);
    expect(valueAfter(argv, '-vf')).toBe(
      `scale=w=-2:h='trunc(min(ih\\,${height})/2)*2':out_range=tv,format=yuv420p`,
    );
    expect(height % 2).toBe(0);
    expect(valueAfter(argv, '-segment_start_number')).toBe(startNumber);
    expect(valueAfter(argv, '-preset')).toBe(preset);
    expect(valueAfter(argv, '-protocol_whitelist')).toBe('file');
    expect(valueAfter(argv, '-segment_list')).toBe('pipe:4');
    expect(valueAfter(argv, '-progress')).toBe('pipe:3');
  });

  it('puts the protocol whitelist, concat demuxer and seek before -i, and the duration after it', () => {
    const argv = builder.buildHlsTranscode(base);
    const input = argv.indexOf('-i');
    expect(input).toBeGreaterThan(0);
    // Input options: they must precede the input they apply to.
    for (const flag of ['-protocol_whitelist', '-safe', '-ss']) {
      expect(argv.indexOf(flag)).toBeGreaterThanOrEqual(0);
      expect(argv.indexOf(flag)).toBeLessThan(input);
    }
    expect(argv.indexOf('-f')).toBeLessThan(input);
    expect(argv[argv.indexOf('-f') + 1]).toBe('concat');
    // Output -t: cuts audio and video at the same point.
    expect(argv.indexOf('-t')).toBeGreaterThan(input);
  });

  it('formats the input offset and duration with millisecond precision', () => {
    const argv = builder.buildHlsTranscode({ ...base, inputOffsetSeconds: 3.14159, durationSeconds: 7200.0004 });
    expect(valueAfter(argv, '-ss')).toBe('3.142');
    expect(valueAfter(argv, '-t')).toBe('7200');
  });

  it('rejects a negative input offset instead of passing it to ffmpeg', () => {
    expect(() => builder.buildHlsTranscode({ ...base, inputOffsetSeconds: -1 })).toThrow(RangeError);
  });

  it('is an argv array, never a shell string: paths with spaces and quotes stay one untouched argument', () => {
    const dir = "/var/trans code/it's $(rm -rf) ; dir";
    const list = `${dir}/input list.ffconcat`;
    const argv = builder.buildHlsTranscode({ ...base, outputDir: dir, concatListPath: list });
    expect(Array.isArray(argv)).toBe(true);
    expect(argv.every((arg) => typeof arg === 'string')).toBe(true);
    expect(valueAfter(argv, '-i')).toBe(list);
    expect(argv[argv.length - 1]).toBe(`${dir}/seg_%05d.ts`);
    // No element is a flag glued to its value ("-c:v libx264") as a shell command line would be.
    for (const arg of argv.filter((a) => a.startsWith('-'))) {
      expect(arg).not.toMatch(/\s/);
    }
    expect(argv).not.toContain('sh');
    expect(argv).not.toContain('-c');
  });

  it('builds a version probe argv', () => {
    expect(builder.buildVersionProbe()).toEqual(['-hide_banner', '-version']);
  });
});

describe('formatSeconds', () => {
  it.each([
    [0, '0'],
    [1.5, '1.5'],
    [2, '2'],
    [2.0004, '2'],
    [10.123456, '10.123'],
    [10.1236, '10.124'],
    [60, '60'],
    [100, '100'],
    [0.25, '0.25'],
    [0.0001, '0'],
    [21600, '21600'],
    [1e-7, '0'],
  ])('%p → %p', (seconds, expected) => {
    expect(formatSeconds(seconds)).toBe(expected);
  });

  it('never uses exponent notation', () => {
    expect(formatSeconds(1e-7)).not.toMatch(/e/i);
    expect(formatSeconds(123456789.5)).toBe('123456789.5');
  });

  it.each([-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('throws on %p', (value) => {
    expect(() => formatSeconds(value)).toThrow(RangeError);
  });
});

describe('segmentFileName', () => {
  it.each([
    [0, 'seg_00000.ts'],
    [7, 'seg_00007.ts'],
    [42, 'seg_00042.ts'],
    [12345, 'seg_12345.ts'],
  ])('%p → %p', (index, expected) => {
    expect(segmentFileName(index)).toBe(expected);
    expect(SEGMENT_FILE_NAME_REGEX.test(expected)).toBe(true);
    expect(Number(SEGMENT_FILE_NAME_REGEX.exec(expected)?.[1])).toBe(index);
  });

  it('names files exactly as ffmpeg expands SEGMENT_FILE_PATTERN', () => {
    for (const index of [0, 1, 99, 10000]) {
      const printf = SEGMENT_FILE_PATTERN.replace('%05d', String(index).padStart(5, '0'));
      expect(segmentFileName(index)).toBe(printf);
    }
  });

  it.each(['seg_1.ts', 'seg_00001.mp4', '../seg_00001.ts', 'seg_00001.ts.tmp', 'seg_000001.ts'])(
    'the file name regex rejects %p',
    (name) => {
      expect(SEGMENT_FILE_NAME_REGEX.test(name)).toBe(false);
    },
  );
});
