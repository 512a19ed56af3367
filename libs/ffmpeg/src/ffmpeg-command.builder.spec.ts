import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_RATE_CONTROL,
  DEFAULT_SEGMENT_PREFIX,
  FfmpegCommandBuilder,
  HlsLadderTranscodeOptions,
  HlsTranscodeOptions,
  NO_PERIODIC_KEYFRAMES_GOP,
  formatSeconds,
  rateControlOptions,
} from './ffmpeg-command.builder';
import { VaapiCommandBuilder } from './accelerators/vaapi-command.builder';

const base: HlsTranscodeOptions = {
  input: { format: 'concat', path: '/var/transcode/abc/input.ffconcat', protocols: ['file'] },
  seekSeconds: 12.5,
  durationSeconds: 60,
  outputDir: '/var/transcode/abc',
  // 2 s segments over the 60 s run: the ones after the first start at 2, 4, …, 58.
  keyframeTimes: Array.from({ length: 29 }, (_, index) => 2 * (index + 1)),
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

/** `argv` without the -force_key_frames flag and its value (unchanged when it has none). */
function withoutForcedKeyframes(argv: readonly string[]): string[] {
  const k = argv.indexOf('-force_key_frames');
  return k < 0 ? [...argv] : [...argv.slice(0, k), ...argv.slice(k + 2)];
}

/** Whether an ffmpeg binary with libx264 can be run here (the real-ffmpeg check is skipped otherwise). */
function ffmpegAvailable(): boolean {
  try {
    return execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('libx264');
  } catch {
    return false;
  }
}

describe('FfmpegCommandBuilder', () => {
  const builder = new FfmpegCommandBuilder();

  it('builds the exact argv for 2 s segments (keyframes listed at 2 … 58), 720p, no start number, no output offset, default prefix, no priming drop', () => {
    expect(builder.buildHlsTranscode(base)).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-nostats',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'concat,mov,mp4,m4a,3gp,3g2,mj2',
      '-copyts',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      '/var/transcode/abc/input.ffconcat',
      '-ss',
      '12.5',
      '-t',
      '60',
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-sn',
      '-dn',
      '-fps_mode',
      'vfr',
      '-enc_time_base:v',
      '1/90000',
      '-vf',
      "scale=w=-2:h='trunc(min(ih\\,720)/2)*2':flags=bilinear:out_range=tv,format=yuv420p",
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
      '-threads',
      '1',
      '-force_key_frames',
      '2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,56,58',
      '-sc_threshold',
      '0',
      '-g',
      '100000',
      '-c:a',
      'aac',
      '-b:a',
      '96k',
      '-f',
      'segment',
      '-segment_format',
      'mpegts',
      '-segment_time',
      '0.001',
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
      options: { keyframeTimes: [6, 12, 18], maxHeight: 480, startNumber: 7, preset: 'veryfast' },
      keyframes: '6,12,18',
      height: 480,
      startNumber: '7',
      preset: 'veryfast',
    },
    {
      name: '6 s segments, odd max height 719 rounds down to 718, start number 0, medium',
      options: { keyframeTimes: [6, 12], maxHeight: 719, startNumber: 0, preset: 'medium' },
      keyframes: '6,12',
      height: 718,
      startNumber: '0',
      preset: 'medium',
    },
    {
      name: '2 s segments after a 1 s first one, 480p, start number 120, superfast',
      options: { keyframeTimes: [1, 3, 5, 7], maxHeight: 480, startNumber: 120, preset: 'superfast' },
      keyframes: '1,3,5,7',
      height: 480,
      startNumber: '120',
      preset: 'superfast',
    },
    {
      name: 'fractional 2.5 s segments, 1080p, no start number',
      options: { keyframeTimes: [2.5, 5, 7.5], maxHeight: 1080 },
      keyframes: '2.5,5,7.5',
      height: 1080,
      startNumber: '0',
      preset: 'ultrafast',
    },
    {
      name: 'absurd max height 1 is clamped to 2',
      options: { keyframeTimes: [2], maxHeight: 1 },
      keyframes: '2',
      height: 2,
      startNumber: '0',
      preset: 'ultrafast',
    },
  ])('$name', ({ options, keyframes, height, startNumber, preset }) => {
    const argv = builder.buildHlsTranscode({ ...base, ...options });
    expect(valueAfter(argv, '-force_key_frames')).toBe(keyframes);
    // The muxer cuts at every keyframe; the listed keyframes alone decide where segments start.
    expect(valueAfter(argv, '-segment_time')).toBe('0.001');
    expect(valueAfter(argv, '-vf')).toBe(`scale=w=-2:h='trunc(min(ih\\,${height})/2)*2':flags=bilinear:out_range=tv,format=yuv420p`);
    expect(valueAfter(argv, '-threads')).toBe('1');
    expect(argv).not.toContain('-bsf:a');
    expect(height % 2).toBe(0);
    expect(valueAfter(argv, '-segment_start_number')).toBe(startNumber);
    expect(valueAfter(argv, '-preset')).toBe(preset);
    expect(valueAfter(argv, '-protocol_whitelist')).toBe('file');
    expect(valueAfter(argv, '-segment_list')).toBe('pipe:4');
    expect(valueAfter(argv, '-progress')).toBe('pipe:3');
  });

  it.each([
    { name: '[1, 3, 5] (1 s first segment, then 2 s)', keyframeTimes: [1, 3, 5], keyframes: '1,3,5' },
    { name: '[2] (one cut)', keyframeTimes: [2], keyframes: '2' },
    { name: '[0.5, 1, 1.5] (sub-second segments)', keyframeTimes: [0.5, 1, 1.5], keyframes: '0.5,1,1.5' },
    {
      name: '[1.083333, 3.083333, 5.083333] (12 fps frame times, microsecond precision)',
      keyframeTimes: [1.083333, 3.083333, 5.083333],
      keyframes: '1.083333,3.083333,5.083333',
    },
    { name: '[0.995, 2.995] (a first segment that ends just short of 1 s)', keyframeTimes: [0.995, 2.995], keyframes: '0.995,2.995' },
    {
      name: '[1.0833334, 2.1666666] (rounded to the microsecond, not the millisecond)',
      keyframeTimes: [1.0833334, 2.1666666],
      keyframes: '1.083333,2.166667',
    },
    {
      name: '[2.0004, 4.0000006] (sub-millisecond parts kept, trailing zeros stripped)',
      keyframeTimes: [2.0004, 4.0000006],
      keyframes: '2.0004,4.000001',
    },
    { name: '[0.066667, 21598.5] (first frame of 15 fps, long run)', keyframeTimes: [0.066667, 21598.5], keyframes: '0.066667,21598.5' },
  ])('keyframeTimes $name → -force_key_frames $keyframes', ({ keyframeTimes, keyframes }) => {
    const argv = builder.buildHlsTranscode({ ...base, keyframeTimes });
    expect(valueAfter(argv, '-force_key_frames')).toBe(keyframes);
    // An explicit list of times: no expression, no exponent, one entry per listed time.
    expect(keyframes).not.toMatch(/expr|[a-z]/i);
    expect(keyframes.split(',')).toHaveLength(keyframeTimes.length);
    // Right after the video encoder options and before the encoder's own keyframe options.
    const k = argv.indexOf('-force_key_frames');
    expect(argv.slice(k - 2, k + 4)).toEqual(['-threads', '1', '-force_key_frames', keyframes, '-sc_threshold', '0']);
    expect(valueAfter(argv, '-segment_time')).toBe('0.001');
    // Only the keyframe list depends on them: the rest of the argv is the one without keyframes.
    const none = builder.buildHlsTranscode({ ...base, keyframeTimes: [] });
    expect(argv).toHaveLength(none.length + 2);
    expect(withoutForcedKeyframes(argv)).toEqual(none);
  });

  it('an empty keyframeTimes (a run of one segment) leaves -force_key_frames and its value out entirely', () => {
    const argv = builder.buildHlsTranscode({ ...base, keyframeTimes: [] });
    expect(argv).not.toContain('-force_key_frames');
    expect(argv).toHaveLength(builder.buildHlsTranscode(base).length - 2);
    // The video encoder options go straight on to the encoder's own keyframe options.
    const threads = argv.indexOf('-threads');
    expect(argv.slice(threads, threads + 6)).toEqual(['-threads', '1', '-sc_threshold', '0', '-g', '100000']);
    // And nothing else changes.
    expect(argv).toEqual(withoutForcedKeyframes(builder.buildHlsTranscode(base)));
  });

  it.each([
    { name: '[-1]', keyframeTimes: [-1] },
    { name: '[1, -0.5, 3] (one negative among valid ones)', keyframeTimes: [1, -0.5, 3] },
    { name: '[1, -0.000001] (negative by a microsecond)', keyframeTimes: [1, -0.000001] },
    { name: '[1, NaN]', keyframeTimes: [1, Number.NaN] },
    { name: '[Infinity]', keyframeTimes: [Number.POSITIVE_INFINITY] },
  ])('rejects keyframeTimes $name instead of passing them to ffmpeg', ({ keyframeTimes }) => {
    expect(() => builder.buildHlsTranscode({ ...base, keyframeTimes })).toThrow(RangeError);
  });

  it.each([
    { name: 'an ffconcat list', input: base.input, seekSeconds: 12.5 },
    { name: 'an HLS playlist', input: { format: 'hls' as const, path: '/t/run-1.m3u8', protocols: ['file', 'http', 'tcp'] }, seekSeconds: 0 },
  ])('keeps source frame times (-fps_mode vfr, -enc_time_base:v 1/90000) right after the stream mapping, before -vf, for $name', ({ input, seekSeconds }) => {
    const argv = builder.buildHlsTranscode({ ...base, input, seekSeconds });
    const dn = argv.indexOf('-dn');
    expect(argv.slice(dn - 5, dn + 7)).toEqual([
      '-map',
      '0:v:0',
      '-map',
      '0:a:0?',
      '-sn',
      '-dn',
      '-fps_mode',
      'vfr',
      '-enc_time_base:v',
      '1/90000',
      '-vf',
      valueAfter(argv, '-vf'),
    ]);
    expect(valueAfter(argv, '-fps_mode')).toBe('vfr');
    expect(valueAfter(argv, '-enc_time_base:v')).toBe('1/90000');
    // Never a constant-rate conversion.
    expect(argv).not.toContain('-r');
    expect(argv).not.toContain('-vsync');
  });

  it.each([
    { name: 'absent', dropAudioPriming: undefined },
    { name: 'false', dropAudioPriming: false },
  ])('dropAudioPriming $name → no audio bitstream filter, argv unchanged', ({ dropAudioPriming }) => {
    const argv = builder.buildHlsTranscode({ ...base, dropAudioPriming });
    expect(argv).not.toContain('-bsf:a');
    expect(argv.some((arg) => arg.includes('noise'))).toBe(false);
    expect(argv).toEqual(builder.buildHlsTranscode(base));
  });

  it('dropAudioPriming true → drops the first AAC frame with -bsf:a noise=drop=eq(n\\,0) right after -b:a 96k', () => {
    const argv = builder.buildHlsTranscode({ ...base, dropAudioPriming: true });
    expect(valueAfter(argv, '-bsf:a')).toBe('noise=drop=eq(n\\,0)');
    const ca = argv.indexOf('-c:a');
    expect(argv.slice(ca, ca + 6)).toEqual(['-c:a', 'aac', '-b:a', '96k', '-bsf:a', 'noise=drop=eq(n\\,0)']);
    // Then the segment muxer.
    expect(argv[ca + 6]).toBe('-f');
    expect(argv[ca + 7]).toBe('segment');
    // Exactly two arguments more than without it.
    expect(argv).toHaveLength(builder.buildHlsTranscode(base).length + 2);
  });

  it('puts -threads 1 right after -pix_fmt yuv420p, among the video encoder options', () => {
    const argv = builder.buildHlsTranscode(base);
    const pix = argv.indexOf('-pix_fmt');
    expect(argv.slice(pix, pix + 4)).toEqual(['-pix_fmt', 'yuv420p', '-threads', '1']);
    expect(argv.indexOf('-threads')).toBeGreaterThan(argv.indexOf('-c:v'));
    expect(argv.indexOf('-threads')).toBeLessThan(argv.indexOf('-force_key_frames'));
  });

  (ffmpegAvailable() ? it : it.skip)(
    'real ffmpeg: keyframeTimes [1, 3.04, 5.5] with -segment_time 0.001 cut a 10 s 15 fps clip at the first frame at or after each (0, 1, 3.0667, 5.5333, 10)',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'nvr-keyframes-'));
      try {
        const clip = join(dir, 'clip.mp4');
        const quiet = ['-hide_banner', '-nostdin', '-loglevel', 'error'];
        execFileSync('ffmpeg', [
          ...quiet,
          '-f',
          'lavfi',
          '-i',
          'testsrc2=size=160x120:rate=15:duration=10',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
          '-pix_fmt',
          'yuv420p',
          clip,
        ]);
        const argv = builder.buildHlsTranscode({ ...base, keyframeTimes: [1, 3.04, 5.5] });
        // The builder's own frame timing, scale filter, video encoder and keyframe options:
        // -fps_mode … -g 100000.
        const encoder = argv.slice(argv.indexOf('-fps_mode'), argv.indexOf('-g') + 2);
        expect(valueAfter(encoder, '-force_key_frames')).toBe('1,3.04,5.5');
        expect(encoder).toContain('-enc_time_base:v');
        const list = join(dir, 'list.csv');
        execFileSync('ffmpeg', [
          ...quiet,
          '-i',
          clip,
          '-an',
          ...encoder,
          '-f',
          'segment',
          '-segment_format',
          'mpegts',
          '-segment_time',
          valueAfter(argv, '-segment_time')!,
          '-segment_list',
          list,
          '-segment_list_type',
          'csv',
          join(dir, 'seg_%05d.ts'),
        ]);
        const rows = readFileSync(list, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(','));
        const boundaries = [...rows.map((row) => Number(row[1])), Number(rows[rows.length - 1][2])];
        // At 15 fps the frames are at n/15 s: 1 s is frame 15 itself, the first frame at or after
        // 3.04 s is frame 46 (3.0667 s) and after 5.5 s frame 83 (5.5333 s). No other cuts: x264's
        // own keyframes are out of reach.
        expect(boundaries.map((b) => Math.round(b * 10000) / 10000)).toEqual([0, 1, 3.0667, 5.5333, 10]);
        expect(boundaries.slice(1, 4).map((b) => Math.round(b * 15))).toEqual([15, 46, 83]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    10000,
  );

  it('puts the protocol whitelist, -copyts and the concat demuxer before -i, and the seek and duration after it', () => {
    const argv = builder.buildHlsTranscode({ ...base, seekSeconds: 0 });
    const input = argv.indexOf('-i');
    expect(input).toBeGreaterThan(0);
    // Input options: they must precede the input they apply to.
    for (const flag of ['-protocol_whitelist', '-copyts', '-safe']) {
      expect(argv.indexOf(flag)).toBeGreaterThanOrEqual(0);
      expect(argv.indexOf(flag)).toBeLessThan(input);
    }
    expect(argv.indexOf('-f')).toBeLessThan(input);
    expect(argv[argv.indexOf('-f') + 1]).toBe('concat');
    // Output -ss 0: drops what the demuxer read before the list's in point (negative timestamps).
    expect(argv.slice(input + 2, input + 4)).toEqual(['-ss', '0']);
    // Output -t: cuts audio and video at the same point.
    expect(argv.indexOf('-t')).toBeGreaterThan(input);
  });

  it('reads an upstream HLS playlist with the hls demuxer, http only, and seeks with an output -ss after -i', () => {
    const argv = builder.buildHlsTranscode({
      ...base,
      input: { format: 'hls', path: '/var/transcode/abc/run-2.m3u8', protocols: ['file', 'http', 'tcp'] },
      seekSeconds: 3.5,
    });
    const input = argv.indexOf('-i');
    expect(argv.slice(5, input + 6)).toEqual([
      '-protocol_whitelist',
      'file,http,tcp',
      '-format_whitelist',
      'hls,mov,mp4,m4a,3gp,3g2,mj2',
      '-f',
      'hls',
      '-i',
      '/var/transcode/abc/run-2.m3u8',
      '-ss',
      '3.5',
      '-t',
      '60',
    ]);
    expect(argv).not.toContain('-safe');
    expect(argv).not.toContain('concat');
  });

  it('leaves out the output -ss of an HLS input that starts at its first segment', () => {
    const argv = builder.buildHlsTranscode({
      ...base,
      input: { format: 'hls', path: '/t/run-1.m3u8', protocols: ['file', 'http', 'tcp'] },
      seekSeconds: 0,
    });
    expect(argv).not.toContain('-ss');
  });

  it.each([
    { seekSeconds: 3.14159, durationSeconds: 7200.0004, ss: '3.14159', t: '7200.0004' },
    { seekSeconds: 3.1415926, durationSeconds: 7200.0000004, ss: '3.141593', t: '7200' },
    { seekSeconds: 0.995, durationSeconds: 1.083333, ss: '0.995', t: '1.083333' },
  ])(
    'formats the input offset $seekSeconds and duration $durationSeconds with microsecond precision (-ss $ss, -t $t)',
    ({ seekSeconds, durationSeconds, ss, t }) => {
      const argv = builder.buildHlsTranscode({ ...base, seekSeconds, durationSeconds });
      expect(valueAfter(argv, '-ss')).toBe(ss);
      expect(valueAfter(argv, '-t')).toBe(t);
    },
  );

  it('rejects a negative input offset instead of passing it to ffmpeg', () => {
    expect(() => builder.buildHlsTranscode({ ...base, seekSeconds: -1 })).toThrow(RangeError);
  });

  it('is an argv array, never a shell string: paths with spaces and quotes stay one untouched argument', () => {
    const dir = "/var/trans code/it's $(rm -rf) ; dir";
    const list = `${dir}/input list.ffconcat`;
    const argv = builder.buildHlsTranscode({ ...base, outputDir: dir, input: { ...base.input, path: list } });
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

  it('pushes x264 periodic keyframes out of reach with -g right after -sc_threshold 0', () => {
    const argv = builder.buildHlsTranscode(base);
    expect(NO_PERIODIC_KEYFRAMES_GOP).toBe(100000);
    expect(valueAfter(argv, '-g')).toBe(String(NO_PERIODIC_KEYFRAMES_GOP));
    const sc = argv.indexOf('-sc_threshold');
    expect(argv.slice(sc, sc + 4)).toEqual(['-sc_threshold', '0', '-g', '100000']);
    // An output (encoder) option: after the input.
    expect(argv.indexOf('-g')).toBeGreaterThan(argv.indexOf('-i'));
  });

  it.each([
    { name: 'absent', outputOffsetSeconds: undefined, expected: undefined, outcome: 'no -output_ts_offset' },
    { name: '0', outputOffsetSeconds: 0, expected: undefined, outcome: 'no -output_ts_offset' },
    { name: '20', outputOffsetSeconds: 20, expected: '20', outcome: '-output_ts_offset 20' },
    { name: '7.5', outputOffsetSeconds: 7.5, expected: '7.5', outcome: '-output_ts_offset 7.5' },
    { name: '3.14159', outputOffsetSeconds: 3.14159, expected: '3.14159', outcome: '-output_ts_offset 3.14159 (microsecond precision)' },
    { name: '19.0833334', outputOffsetSeconds: 19.0833334, expected: '19.083333', outcome: '-output_ts_offset 19.083333 (rounded to the microsecond)' },
    { name: '21598', outputOffsetSeconds: 21598, expected: '21598', outcome: '-output_ts_offset 21598' },
  ])('output offset $name → $outcome', ({ outputOffsetSeconds, expected }) => {
    const argv = builder.buildHlsTranscode({ ...base, outputOffsetSeconds });
    if (expected === undefined) {
      expect(argv).not.toContain('-output_ts_offset');
      // Nothing else changes: the argv is the one without the option.
      expect(argv).toEqual(builder.buildHlsTranscode(base));
    } else {
      expect(valueAfter(argv, '-output_ts_offset')).toBe(expected);
      // Right after the output -t, i.e. an output option (after -i), before the stream mapping.
      const t = argv.indexOf('-t');
      expect(t).toBeGreaterThan(argv.indexOf('-i'));
      expect(argv.slice(t, t + 4)).toEqual(['-t', '60', '-output_ts_offset', expected]);
      expect(argv[t + 4]).toBe('-map');
      // Exactly two arguments more than without it.
      expect(argv).toHaveLength(builder.buildHlsTranscode(base).length + 2);
    }
  });

  it('rejects a negative output offset instead of passing it to ffmpeg', () => {
    expect(() => builder.buildHlsTranscode({ ...base, outputOffsetSeconds: -2 })).toThrow(RangeError);
  });

  it.each([
    { name: 'absent (default)', segmentFilePrefix: undefined, pattern: '/var/transcode/abc/seg_%05d.ts' },
    { name: 'per run r3_', segmentFilePrefix: 'r3_', pattern: '/var/transcode/abc/r3_%05d.ts' },
    { name: 'per run r12_', segmentFilePrefix: 'r12_', pattern: '/var/transcode/abc/r12_%05d.ts' },
    { name: 'explicit default', segmentFilePrefix: DEFAULT_SEGMENT_PREFIX, pattern: '/var/transcode/abc/seg_%05d.ts' },
  ])('segment file prefix $name → output pattern $pattern', ({ segmentFilePrefix, pattern }) => {
    const argv = builder.buildHlsTranscode({ ...base, segmentFilePrefix });
    // The output pattern is the last argument.
    expect(argv[argv.length - 1]).toBe(pattern);
    expect(argv.filter((arg) => arg.endsWith('%05d.ts'))).toEqual([pattern]);
  });

  it("defaults the segment file prefix to 'seg_'", () => {
    expect(DEFAULT_SEGMENT_PREFIX).toBe('seg_');
  });

  it('a run starting at segment 10 of 2 s segments (after a 1 s first one) numbers files from 10, offsets timestamps by 19 s, lists keyframes from its own start, drops audio priming', () => {
    // Segment 10 starts at 1 + 9 × 2 = 19 s; the ones after it at 21, 23, …, 59 s, i.e. 2, 4, …, 40 s
    // from the run's start.
    const argv = builder.buildHlsTranscode({
      ...base,
      keyframeTimes: Array.from({ length: 20 }, (_, index) => 2 * (index + 1)),
      seekSeconds: 19,
      durationSeconds: 41,
      startNumber: 10,
      outputOffsetSeconds: 1 + 9 * 2,
      dropAudioPriming: true,
      segmentFilePrefix: 'r2_',
    });
    expect(valueAfter(argv, '-segment_start_number')).toBe('10');
    expect(valueAfter(argv, '-output_ts_offset')).toBe('19');
    expect(valueAfter(argv, '-ss')).toBe('19');
    expect(valueAfter(argv, '-t')).toBe('41');
    expect(valueAfter(argv, '-segment_time')).toBe('0.001');
    expect(valueAfter(argv, '-force_key_frames')).toBe('2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40');
    expect(valueAfter(argv, '-bsf:a')).toBe('noise=drop=eq(n\\,0)');
    expect(argv[argv.length - 1]).toBe('/var/transcode/abc/r2_%05d.ts');
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
    [2.0004, '2.0004'],
    [10.123456, '10.123456'],
    [10.1236, '10.1236'],
    [10.1234564, '10.123456'],
    [10.1234567, '10.123457'],
    [1.083333, '1.083333'],
    [0.995, '0.995'],
    [3.14159, '3.14159'],
    [60, '60'],
    [100, '100'],
    [0.25, '0.25'],
    [0.0001, '0.0001'],
    [0.000001, '0.000001'],
    [0.0000004, '0'],
    [21600, '21600'],
    [21600.000001, '21600.000001'],
    [1e-7, '0'],
  ])('%p → %p', (seconds, expected) => {
    expect(formatSeconds(seconds)).toBe(expected);
  });

  it('never uses exponent notation', () => {
    expect(formatSeconds(1e-7)).not.toMatch(/e/i);
    expect(formatSeconds(123456789.5)).toBe('123456789.5');
  });

  it.each([-1, -0.001, -0.000001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('throws on %p', (value) => {
    expect(() => formatSeconds(value)).toThrow(RangeError);
  });
});

describe('audioStartSeconds', () => {
  const builder = new FfmpegCommandBuilder();
  it.each([
    { name: 'absent', audioStartSeconds: undefined, expected: null },
    { name: '0 (a run from the range start)', audioStartSeconds: 0, expected: null },
    { name: '0.006 (5 ms cut + 1 ms)', audioStartSeconds: 0.006, expected: 'atrim=start=0.006' },
    { name: '0.0263337 (half-way cut, microseconds)', audioStartSeconds: 0.0263337, expected: 'atrim=start=0.026334' },
  ])('$name → audio trimmed to start at the first frame: $expected', ({ audioStartSeconds, expected }) => {
    const argv = builder.buildHlsTranscode({ ...base, audioStartSeconds });
    const at = argv.indexOf('-af');
    if (expected === null) {
      expect(at).toBe(-1);
      return;
    }
    // Right after the audio encoder's bitrate, so it filters the audio only.
    expect(argv.slice(at - 2, at + 2)).toEqual(['-b:a', '96k', '-af', expected]);
  });
});

describe('one output format for a whole session', () => {
  const builder = new FfmpegCommandBuilder();
  const audio = { sampleRate: 48000, channels: 1 as const, bitrateKbps: 64 };

  it('scales every recording into the session frame on the CPU, letterboxed, instead of following each source height', () => {
    const argv = builder.buildHlsTranscode({ ...base, outputFrame: { width: 640, height: 360 } });
    expect(valueAfter(argv, '-vf')).toBe(
      'scale=w=640:h=360:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bilinear:out_range=tv,pad=640:360:(ow-iw)/2:(oh-ih)/2,format=yuv420p',
    );
  });

  it("scales to the session's height on a hardware scaler (which cannot pad on the GPU)", () => {
    const vaapi = new VaapiCommandBuilder('/dev/dri/renderD128');
    const argv = vaapi.buildHlsTranscode({ ...base, outputFrame: { width: 640, height: 360 } });
    expect(valueAfter(argv, '-vf')).toBe("format=nv12|vaapi,hwupload,scale_vaapi=w=-2:h='360':format=nv12:out_range=tv");
  });

  it('encodes AAC at the session rate, channels and bitrate, resampled to the timestamps (after the trim to the first frame)', () => {
    const argv = builder.buildHlsTranscode({ ...base, audio, audioStartSeconds: 0.006 });
    expect(argv.slice(argv.indexOf('-c:a'), argv.indexOf('-c:a') + 8)).toEqual([
      '-c:a',
      'aac',
      '-b:a',
      '64k',
      '-ac',
      '1',
      '-af',
      'atrim=start=0.006,aresample=48000:async=1',
    ]);
  });

  it("encodes silence in the session's audio format for a run whose recordings have none: a second input, mapped as the audio", () => {
    const argv = builder.buildHlsTranscode({ ...base, audio: { ...audio, channels: 2 }, silentAudio: true });
    // The silence input comes right after the recordings' input, before the output -ss and -t.
    const input = argv.indexOf(base.input.path);
    expect(argv.slice(input + 1, input + 6)).toEqual(['-f', 'lavfi', '-i', 'anullsrc=r=48000:cl=stereo', '-ss']);
    expect(argv.slice(argv.indexOf('-map'), argv.indexOf('-map') + 4)).toEqual(['-map', '0:v:0', '-map', '1:a:0']);
    // Without silentAudio: the recordings' own (optional) audio, no second input.
    const own = builder.buildHlsTranscode({ ...base, audio });
    expect(own).not.toContain('lavfi');
    expect(own.slice(own.indexOf('-map'), own.indexOf('-map') + 4)).toEqual(['-map', '0:v:0', '-map', '0:a:0?']);
  });
});

describe('how the video is made', () => {
  const builder = new FfmpegCommandBuilder();
  const vaapi = new VaapiCommandBuilder('/dev/dri/renderD128');
  const run: HlsTranscodeOptions = { ...base, seekSeconds: 0, durationSeconds: 64, outputOffsetSeconds: 32, keyframeTimes: [32] };

  it('copies a browser-playable H.264 run: -c:v copy, no decoder, filter, encoder or forced keyframes, even on a hardware builder', () => {
    for (const copier of [builder, vaapi]) {
      const argv = copier.buildHlsTranscode({ ...run, video: { mode: 'copy' }, audioCopy: true });
      expect(valueAfter(argv, '-c:v')).toBe('copy');
      expect(valueAfter(argv, '-c:a')).toBe('copy');
      for (const flag of ['-vf', '-force_key_frames', '-hwaccel', '-af', '-bsf:a', '-enc_time_base:v', '-preset']) expect(argv).not.toContain(flag);
    }
  });

  it.each([
    // keyframes from the run's start, its output offset → the muxer's cut times (it sees offset timestamps)
    [[2, 4.5], 10, ['-segment_times', '12,14.5']],
    [[], 10, ['-segment_time', String(NO_PERIODIC_KEYFRAMES_GOP)]],
  ])('cuts a copied run at the planned keyframes only: %j offset %d → %j', (keyframeTimes, offset, cut) => {
    const argv = builder.buildHlsTranscode({ ...run, keyframeTimes, outputOffsetSeconds: offset, video: { mode: 'copy' } });
    expect(valueAfter(argv, cut[0])).toBe(cut[1]);
    expect(argv).not.toContain('0.001');
  });

  it('makes a 16× run of keyframes only: -skip_frame nokey before -i, times divided by 16 after the filters, video only', () => {
    const argv = builder.buildHlsTranscode({ ...run, video: { mode: 'fast', speed: 16, keyframesOnly: true }, noAudio: true });
    expect(argv.indexOf('-skip_frame')).toBeLessThan(argv.indexOf('-i'));
    expect(valueAfter(argv, '-skip_frame')).toBe('nokey');
    expect(valueAfter(argv, '-t')).toBe('4');
    expect(valueAfter(argv, '-output_ts_offset')).toBe('2');
    expect(valueAfter(argv, '-force_key_frames')).toBe('2');
    expect(valueAfter(argv, '-vf')!.startsWith("select='eq(key\\,1)',settb=1/90000,setpts=PTS/16,scale=")).toBe(true);
    expect(argv).toContain('-an');
    expect(argv).not.toContain('-c:a');
  });

  it('decodes every frame of a selecting run and keeps the first of each slot, counted on the session’s timeline', () => {
    const argv = builder.buildHlsTranscode({
      ...run,
      video: { mode: 'fast', speed: 8, keyframesOnly: false, select: { stepSeconds: 8 / 15, offsetSeconds: 32.1 } },
    });
    expect(argv).not.toContain('-skip_frame');
    expect(valueAfter(argv, '-vf')).toBe(
      "select='isnan(prev_t)+gt(floor((t+32.100000000)/0.533333333)\\,floor((prev_t+32.100000000)/0.533333333))+gte(t\\,0)*lt(prev_t\\,0)',settb=1/90000,setpts=PTS/8," +
        "scale=w=-2:h='trunc(min(ih\\,720)/2)*2':flags=bilinear:out_range=tv,format=yuv420p",
    );
  });
});

describe('rate control', () => {
  const builder = new FfmpegCommandBuilder();

  it.each([
    [undefined, ['-crf', '23']],
    [{ crf: 23 }, ['-crf', '23']],
    [{ crf: 21, maxrateKbps: 850, bufsizeKbps: 425 }, ['-crf', '21', '-maxrate', '850k', '-bufsize', '425k']],
    // x264 ignores a maxrate without a buffer: both or neither.
    [{ crf: 23, maxrateKbps: 850 }, ['-crf', '23']],
  ])('rate %j → %j right after the preset', (rate, expected) => {
    const argv = builder.buildHlsTranscode({ ...base, rate });
    const start = argv.indexOf('-preset') + 2;
    expect(argv.slice(start, start + expected.length)).toEqual(expected);
    expect(argv[start + expected.length]).toBe('-profile:v');
    expect(rateControlOptions(rate ?? DEFAULT_RATE_CONTROL)).toEqual(expected);
  });
});

describe('a ladder run: several rungs from one decode', () => {
  const builder = new FfmpegCommandBuilder();
  const ladder: HlsLadderTranscodeOptions = {
    input: { format: 'concat', path: '/var/transcode/abc/input.ffconcat', protocols: ['file'] },
    seekSeconds: 12.5,
    durationSeconds: 6,
    keyframeTimes: [2, 4],
    preset: 'ultrafast',
    progressFd: 1,
    audio: { sampleRate: 48000, channels: 1, bitrateKbps: 64 },
    rungs: [
      { frame: { width: 1280, height: 720 }, rate: { crf: 23, maxrateKbps: 2050, bufsizeKbps: 1025 }, outputDir: '/t/720p', segmentListFd: 3 },
      { frame: { width: 416, height: 234 }, rate: { crf: 23, maxrateKbps: 300, bufsizeKbps: 150 }, outputDir: '/t/234p', segmentListFd: 4 },
    ],
  };
  /** One rung's output options: the same as a one-rung run's, but for its stream, its rate, its files. */
  const output = (video: string, maxrate: string, bufsize: string, list: string, progress: string[], files: string) => [
    '-ss',
    '12.5',
    '-t',
    '6',
    '-map',
    video,
    '-map',
    '0:a:0?',
    '-sn',
    '-dn',
    '-fps_mode',
    'vfr',
    '-enc_time_base:v',
    '1/90000',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-crf',
    '23',
    '-maxrate',
    maxrate,
    '-bufsize',
    bufsize,
    '-profile:v',
    'high',
    '-level:v',
    '4.1',
    '-pix_fmt',
    'yuv420p',
    '-threads',
    '1',
    '-force_key_frames',
    '2,4',
    '-sc_threshold',
    '0',
    '-g',
    String(NO_PERIODIC_KEYFRAMES_GOP),
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-ac',
    '1',
    '-af',
    'aresample=48000:async=1',
    '-f',
    'segment',
    '-segment_format',
    'mpegts',
    '-segment_time',
    '0.001',
    '-segment_start_number',
    '0',
    '-segment_list',
    list,
    '-segment_list_type',
    'csv',
    ...progress,
    files,
  ];
  const fit = (w: number, h: number) =>
    `scale=w=${w}:h=${h}:force_original_aspect_ratio=decrease:force_divisible_by=2:flags=bilinear:out_range=tv,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,format=yuv420p`;

  it('builds the exact argv of two rungs: one input, scaled into the top rung and from it into the lower, an output per rung with the same cuts and its own cap; -progress once', () => {
    expect(builder.buildHlsLadderTranscode(ladder)).toEqual([
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'warning',
      '-nostats',
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'concat,mov,mp4,m4a,3gp,3g2,mj2',
      '-copyts',
      '-f',
      'concat',
      '-safe',
      '0',
      '-i',
      '/var/transcode/abc/input.ffconcat',
      '-filter_complex',
      `[0:v:0]${fit(1280, 720)},split=2[v0][c0];[c0]${fit(416, 234)}[v1]`,
      ...output('[v0]', '2050k', '1025k', 'pipe:3', ['-progress', 'pipe:1'], '/t/720p/seg_%05d.ts'),
      ...output('[v1]', '300k', '150k', 'pipe:4', [], '/t/234p/seg_%05d.ts'),
    ]);
  });

  it('is a one-rung run (rate aside) when it has one rung: no split, the same output options', () => {
    const one = { ...ladder, rungs: [ladder.rungs[0]] };
    const argv = builder.buildHlsLadderTranscode(one);
    expect(valueAfter(argv, '-filter_complex')).toBe(`[0:v:0]${fit(1280, 720)}[v0]`);
    const single = builder.buildHlsTranscode({
      ...ladder,
      outputDir: '/t/720p',
      segmentListFd: 3,
      maxHeight: 720,
      outputFrame: ladder.rungs[0].frame,
      rate: ladder.rungs[0].rate,
    });
    const from = (args: string[]) => args.slice(args.indexOf('-ss'));
    expect(from(argv)).toEqual(
      from(single)
        .map((arg) => (arg === '0:v:0' ? '[v0]' : arg))
        .filter((_, i, all) => all[i] !== '-vf' && all[i - 1] !== '-vf'),
    );
  });

  it('selects and retimes a fast run’s frames once, before the first scaler, and forces its keyframes at output times in every rung', () => {
    const argv = builder.buildHlsLadderTranscode({ ...ladder, seekSeconds: 0, video: { mode: 'fast', speed: 16, keyframesOnly: true }, noAudio: true });
    expect(valueAfter(argv, '-skip_frame')).toBe('nokey');
    expect(argv.filter((arg) => arg === '-filter_complex')).toHaveLength(1);
    expect(argv[argv.indexOf('-filter_complex') + 1]).toBe(
      `[0:v:0]select='eq(key\\,1)',settb=1/90000,setpts=PTS/16,${fit(1280, 720)},split=2[v0][c0];[c0]${fit(416, 234)}[v1]`,
    );
    const forced = argv.flatMap((arg, index) => (arg === '-force_key_frames' ? [argv[index + 1]] : []));
    expect(forced).toEqual(['0.125,0.25', '0.125,0.25']);
    expect(argv.filter((arg) => arg === '-an')).toHaveLength(2);
  });

  it('scales each rung from the next taller one, whatever order the rungs come in; [vN] stays rung N', () => {
    const rungs = [{ ...ladder.rungs[1], frame: { width: 832, height: 468 } }, ladder.rungs[1], ladder.rungs[0]];
    const argv = builder.buildHlsLadderTranscode({ ...ladder, rungs });
    expect(valueAfter(argv, '-filter_complex')).toBe(`[0:v:0]${fit(1280, 720)},split=2[v2][c0];[c0]${fit(832, 468)},split=2[v0][c1];[c1]${fit(416, 234)}[v1]`);
    // Each output still takes its own rung's stream.
    const mapped = argv.flatMap((arg, index) => (arg === '-map' && argv[index + 1].startsWith('[') ? [argv[index + 1]] : []));
    expect(mapped).toEqual(['[v0]', '[v1]', '[v2]']);
  });

  it('refuses a run of no rung', () => {
    expect(() => builder.buildHlsLadderTranscode({ ...ladder, rungs: [] })).toThrow(RangeError);
  });

  (ffmpegAvailable() ? it : it.skip)(
    'real ffmpeg: two rungs of a 6 s clip come out at their sizes, cut at the same frames (0, 2, 4, 6), the smaller one smaller',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'nvr-ladder-'));
      try {
        const clip = join(dir, 'clip.mp4');
        execFileSync('ffmpeg', [
          ...['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15:duration=6'],
          ...[
            '-f',
            'lavfi',
            '-i',
            'sine=frequency=440:sample_rate=48000:duration=6',
            '-c:v',
            'libx264',
            '-preset',
            'ultrafast',
            '-pix_fmt',
            'yuv420p',
            '-c:a',
            'aac',
            clip,
          ],
        ]);
        const listPath = join(dir, 'input.ffconcat');
        writeFileSync(listPath, `ffconcat version 1.0\nfile '${clip}'\n`);
        const rungs = [
          { frame: { width: 320, height: 180 }, rate: { crf: 23, maxrateKbps: 600, bufsizeKbps: 300 }, outputDir: join(dir, 'top'), segmentListFd: 3 },
          { frame: { width: 160, height: 90 }, rate: { crf: 23, maxrateKbps: 150, bufsizeKbps: 75 }, outputDir: join(dir, 'low'), segmentListFd: 4 },
        ];
        rungs.forEach((rung) => mkdirSync(rung.outputDir));
        const argv = builder.buildHlsLadderTranscode({ ...ladder, input: { ...ladder.input, path: listPath }, seekSeconds: 0, rungs });
        const run = spawnSync('ffmpeg', argv, { stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'], encoding: 'utf8' });
        expect(run.stderr).toBe('');
        const cuts = (csv: string) => {
          const rows = csv
            .trim()
            .split('\n')
            .map((line) => line.split(','));
          return [...rows.map((row) => Math.round(Number(row[1]) * 15)), Math.round(Number(rows[rows.length - 1][2]) * 15)];
        };
        // Frames, not seconds: frame 30 is 2 s at 15 fps; both rungs cut at the same ones.
        expect(cuts(run.output[3] as string)).toEqual([0, 30, 60, 90]);
        expect(cuts(run.output[4] as string)).toEqual([0, 30, 60, 90]);
        // (ffprobe lists an MPEG-TS stream once on its own and once in its program: the first line.)
        const size = (file: string) =>
          execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file], {
            encoding: 'utf8',
          })
            .trim()
            .split('\n')[0];
        expect(size(join(dir, 'top', 'seg_00001.ts'))).toBe('320,180');
        expect(size(join(dir, 'low', 'seg_00001.ts'))).toBe('160,90');
        expect(statSync(join(dir, 'low', 'seg_00001.ts')).size).toBeLessThan(statSync(join(dir, 'top', 'seg_00001.ts')).size);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    20000,
  );
});
