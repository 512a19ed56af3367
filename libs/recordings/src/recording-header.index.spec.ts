import { Logger } from '@nestjs/common';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { readMp4Info } from './mp4-header.reader';
import { RecordingHeaderIndex, attachMedia } from './recording-header.index';
import { UnreadableRecordingError } from './unreadable-recording.error';

jest.mock('./mp4-header.reader', () => ({ readMp4Info: jest.fn() }));
const read = readMp4Info as jest.MockedFunction<typeof readMp4Info>;

const header = (durationSeconds: number) => ({
  durationSeconds,
  hasVideo: true,
  hasAudio: false,
  video: { kind: 'video' as const, codecTag: 'hvc1', frameTimes: Float64Array.from([0, 0.5]) },
});

describe('RecordingHeaderIndex', () => {
  let dir: string;
  let index: RecordingHeaderIndex;
  const run = jest.fn();
  const supervisor = { run } as unknown as FfmpegProcessSupervisor;
  let warnings: jest.SpyInstance;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nvr-unit-headers-'));
    read.mockReset();
    read.mockImplementation(async () => header(10));
    run.mockReset();
    index = new RecordingHeaderIndex({ recordingsDir: dir, ffprobePath: 'ffprobe' }, supervisor);
    warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });

  afterEach(async () => {
    warnings.mockRestore();
    await rm(dir, { recursive: true, force: true });
  });

  async function fileNamed(name: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, 'x');
    return path;
  }

  /** The warnings logged so far that name `text`. */
  const warningsNaming = (text: string) => warnings.mock.calls.filter(([message]) => String(message).includes(text));

  it('describes a file from the same header read that gave its duration (one read, not two)', async () => {
    const path = await fileNamed('a.mp4');
    await index.verdictsOf([path]);
    const [media] = await index.mediaOf([path]);
    expect(media).toEqual({ media: expect.objectContaining({ video: expect.objectContaining({ frameTimes: Float64Array.from([0, 0.5]) }) }) });
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('reads a file again once it changes (size or mtime)', async () => {
    const path = await fileNamed('a.mp4');
    await index.mediaOf([path]);
    await index.mediaOf([path]);
    expect(read).toHaveBeenCalledTimes(1);
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    await index.mediaOf([path]);
    expect(read).toHaveBeenCalledTimes(2);
  });

  it('answers null for a file that is gone, and no media for one whose header gives no duration, without failing the others', async () => {
    const path = await fileNamed('a.mp4');
    read.mockImplementationOnce(async () => null);
    expect(await index.mediaOf([path, join(dir, 'missing.mp4')])).toEqual([{ media: null }, null]);
    expect(run).not.toHaveBeenCalled(); // its media is all a plan asks: no ffprobe for a duration
  });

  it('finds a file unreadable with its reason, names it by day/hour/camera/file in one warning per version, and reads it again once it changed', async () => {
    const path = join(dir, '2023-11-15', '00', 'porch', '00.10.mp4');
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, 'x');
    read.mockRejectedValue(new UnreadableRecordingError('sample-table', 'its stts box says 4294967295 entries, but its 16 bytes hold 2'));
    const verdict = { unreadable: { reason: 'sample-table', message: 'its stts box says 4294967295 entries, but its 16 bytes hold 2' } };
    expect(await index.verdictsOf([path, path])).toEqual([verdict, verdict]);
    expect(await index.mediaOf([path])).toEqual([verdict]);
    expect(await index.verdictOf(path)).toEqual(verdict);
    expect(read).toHaveBeenCalledTimes(1);
    expect(warningsNaming('2023-11-15/00/porch/00.10.mp4')).toHaveLength(1);
    expect(warnings.mock.calls.join('\n')).not.toContain(dir);
    // Frigate finishes or replaces it: a new size, read again.
    read.mockReset();
    read.mockImplementation(async () => header(10));
    await writeFile(path, 'xx');
    expect(await index.verdictOf(path)).toEqual({ durationSeconds: 10 });
  });

  it('shares one read among lookups that ask for the same file at once', async () => {
    const path = await fileNamed('a.mp4');
    read.mockImplementation(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      throw new UnreadableRecordingError('no-moov', 'it has no moov box');
    });
    await Promise.all([index.verdictsOf([path]), index.verdictsOf([path]), index.mediaOf([path])]);
    expect(read).toHaveBeenCalledTimes(1);
    expect(warningsNaming('a.mp4')).toHaveLength(1);
  });

  it.each([
    [
      'a file it cannot open',
      Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }),
      { reason: 'cannot-read', message: 'it cannot be read (EACCES)' },
    ],
    ['a reader that throws what it must not', new RangeError('offset out of range'), { reason: 'cannot-read', message: 'its header could not be read' }],
  ])('finds %s unreadable, without failing the lookup', async (_what, error, unreadable) => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const path = await fileNamed('a.mp4');
    read.mockRejectedValue(error);
    expect(await index.verdictsOf([path])).toEqual([{ unreadable }]);
    errors.mockRestore();
  });

  it('answers null for a file removed between its stat and its read', async () => {
    const path = await fileNamed('a.mp4');
    read.mockRejectedValue(Object.assign(new Error('ENOENT'), { code: 'ENOENT' }));
    expect(await index.verdictsOf([path])).toEqual([null]);
    expect(warnings).not.toHaveBeenCalled();
  });

  it.each([
    ['gives a duration', { code: 0, stdout: ['12.5'] }, { durationSeconds: 12.5 }],
    ['fails', { code: 1, stdout: [] }, { unreadable: { reason: 'no-duration', message: expect.any(String) } }],
    ['says more than a day', { code: 0, stdout: ['90000'] }, { unreadable: { reason: 'bad-duration', message: expect.any(String) } }],
  ])('asks ffprobe once for a header without a duration: when it %s', async (_what, exit, verdict) => {
    const path = await fileNamed('a.mp4');
    read.mockResolvedValue(null);
    run.mockResolvedValue({ signal: null, stderrTail: [], ...exit });
    expect(await index.verdictsOf([path])).toEqual([verdict]);
    expect(await index.verdictsOf([path])).toEqual([verdict]);
    expect(run).toHaveBeenCalledTimes(1);
  });

  it('keeps no verdict when the helper processes had no turn for ffprobe: the next lookup asks again', async () => {
    const path = await fileNamed('a.mp4');
    read.mockResolvedValue(null);
    run.mockResolvedValueOnce({ code: null, signal: null, spawnError: 'pool busy', busy: true, stderrTail: [], stdout: [] });
    expect(await index.verdictsOf([path])).toEqual([{ unreadable: { reason: 'cannot-read', message: expect.stringMatching(/read again/) } }]);
    expect(warnings).not.toHaveBeenCalled();
    run.mockResolvedValueOnce({ code: 0, signal: null, stderrTail: [], stdout: ['12.5'] });
    expect(await index.verdictsOf([path])).toEqual([{ durationSeconds: 12.5 }]);
    expect(run).toHaveBeenCalledTimes(2);
  });

  it('attaches media to the files it can read, and leaves out the ones it cannot (no ffmpeg run reads them)', async () => {
    const [good, bad] = [await fileNamed('a.mp4'), await fileNamed('b.mp4')];
    read.mockImplementation(async (path) => {
      if (path === bad) throw new UnreadableRecordingError('empty', 'the file is empty (0 bytes)');
      return header(10);
    });
    const files = [good, bad, join(dir, 'gone.mp4')].map((path, i) => ({ camera: 'porch', path, startTime: i * 10, durationSeconds: 10 }));
    const attached = await attachMedia(index, files);
    expect(attached.map((file) => [file.path, !!file.media])).toEqual([
      [good, true],
      [join(dir, 'gone.mp4'), false],
    ]);
  });
});
