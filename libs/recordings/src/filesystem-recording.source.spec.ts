import { execFileSync } from 'node:child_process';
import { copyFile, link, mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { FilesystemRecordingSource } from './filesystem-recording.source';
import { recordingRelativePath } from './frigate-recordings-layout';
import { RecordingHeaderIndex } from './recording-header.index';

const T0 = 1_700_000_000 - (1_700_000_000 % 3600); // on an hour boundary
const SIX_HOURS = 6 * 3600;

describe('FilesystemRecordingSource', () => {
  let root: string;
  let clip: string;
  let runs: number;
  let source: FilesystemRecordingSource;
  let index: RecordingHeaderIndex;

  const place = async (camera: string, start: number, file = clip) => {
    const target = join(root, 'recordings', recordingRelativePath(camera, start));
    await mkdir(dirname(target), { recursive: true });
    await link(file, target);
    return target;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'nvr-unit-recordings-'));
    clip = join(root, 'clip.mp4');
    // A real 10 s camera-like file (header in front), made once.
    execFileSync('ffmpeg', [
      '-hide_banner',
      '-loglevel',
      'error',
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=64x48:rate=5',
      '-t',
      '10',
      '-c:v',
      'libx265',
      '-preset',
      'ultrafast',
      '-x265-params',
      'log-level=error',
      '-movflags',
      '+faststart',
      clip,
    ]);
    // Six hours of 10 s files for one camera: 2,160 files, as in a long range on a real NVR.
    for (let t = T0; t < T0 + SIX_HOURS; t += 10) await place('garage', t);
    await place('porch', T0 + 3590);
    await place('porch', T0 + 7200);
  });

  afterAll(async () => rm(root, { recursive: true, force: true }));

  beforeEach(() => {
    runs = 0;
    const supervisor = { run: async () => ((runs += 1), { code: 1, signal: null, stderrTail: [], stdout: [] }) };
    const options = { recordingsDir: join(root, 'recordings'), ffprobePath: 'ffprobe' };
    index = new RecordingHeaderIndex(options, supervisor as unknown as FfmpegProcessSupervisor);
    source = new FilesystemRecordingSource(options, index);
  });

  it('finds a cold 6-hour range (2,160 files) with every duration read from the MP4 header, spawning nothing', async () => {
    const files = await source.findRecordings('garage', T0, T0 + SIX_HOURS);
    expect(files).toHaveLength(2160);
    expect(files.every((f) => Math.abs(f.durationSeconds - 10) < 0.01)).toBe(true);
    expect(files[0]).toMatchObject({ camera: 'garage', startTime: T0 });
    expect(files.at(-1)!.startTime).toBe(T0 + SIX_HOURS - 10);
    expect(runs).toBe(0);
  });

  it('includes a file that starts in the previous hour and reaches into the range, and nothing outside it', async () => {
    const files = await source.findRecordings('porch', T0 + 3595, T0 + 3600 + 60);
    expect(files.map((f) => f.startTime)).toEqual([T0 + 3590]);
    expect(await source.findRecordings('porch', T0 + 3600, T0 + 7200)).toEqual([]);
  });

  it('reads a file again when it changes, and skips one whose header cannot be read, naming it in the timeline', async () => {
    const broken = join(root, 'broken.mp4');
    await writeFile(broken, Buffer.alloc(100));
    await place('shed', T0, broken);
    expect(await source.findRecordings('shed', T0, T0 + 10)).toEqual([]);
    expect(await source.findRecordedPeriods('shed', T0, T0 + 10)).toEqual({
      periods: [],
      unreadable: [{ file: recordingRelativePath('shed', T0), startTime: T0, reason: 'no-moov', message: expect.stringMatching(/no moov/) }],
    });
    expect(runs).toBe(0); // without a moov, ffprobe cannot read it either: not asked
    // The same path becomes a real recording (new size and mtime): the cached "unreadable" is not reused.
    await rm(join(root, 'recordings', recordingRelativePath('shed', T0)));
    await place('shed', T0);
    expect((await source.findRecordings('shed', T0, T0 + 10)).map((f) => f.durationSeconds)).toEqual([expect.closeTo(10, 1)]);
  });

  /** Folders last changed an hour ago, as a past hour's are: always the same time, so a kept listing would still match. */
  const settledAt = new Date(Date.now() - 3_600_000);
  const settle = async (camera: string, hours: number[]) => {
    for (const hour of hours) await utimes(dirname(join(root, 'recordings', recordingRelativePath(camera, hour))), settledAt, settledAt);
  };

  it('answers a repeated timeline lookup from its hour listings, looking at no file again, with what playback would find', async () => {
    await settle(
      'garage',
      Array.from({ length: 6 }, (_, i) => T0 + i * 3600),
    );
    const lookups = jest.spyOn(index, 'verdictsOf');
    const periods = await source.findRecordedPeriods('garage', T0 + 5, T0 + SIX_HOURS - 5);
    expect(lookups).toHaveBeenCalledTimes(6); // one per hour folder
    const fromFiles = await source.findRecordings('garage', T0 + 5, T0 + SIX_HOURS - 5);
    expect(periods).toEqual({ periods: fromFiles.map(({ startTime, durationSeconds }) => ({ startTime, durationSeconds })), unreadable: [] });
    lookups.mockClear();
    expect(await source.findRecordedPeriods('garage', T0 + 5, T0 + SIX_HOURS - 5)).toEqual(periods);
    expect(lookups).not.toHaveBeenCalled();
  });

  it('keeps no listing of a folder changed within the minute, nor of one with a recording still being written', async () => {
    const hour = T0 + 12 * 3600;
    const lookups = jest.spyOn(index, 'verdictsOf');
    await place('loft', hour + 10);
    await source.findRecordedPeriods('loft', hour, hour + 3600);
    await source.findRecordedPeriods('loft', hour, hour + 3600);
    expect(lookups).toHaveBeenCalledTimes(2); // a young folder is listed again

    // A recording being written: created (the folder changed then), its header not there yet.
    const writing = join(root, 'recordings', recordingRelativePath('loft', hour + 20));
    await writeFile(writing, Buffer.alloc(0));
    await settle('loft', [hour]);
    expect((await source.findRecordedPeriods('loft', hour, hour + 3600)).periods.map((p) => p.startTime)).toEqual([hour + 10]);
    // Frigate finishes it in place: the folder does not change again, and the timeline still shows it.
    await copyFile(clip, writing);
    await settle('loft', [hour]);
    expect((await source.findRecordedPeriods('loft', hour, hour + 3600)).periods.map((p) => p.startTime)).toEqual([hour + 10, hour + 20]);
  });

  it('lists a recording moved into an hour folder since its last listing (the folder changed), and no longer one removed', async () => {
    const hour = T0 + 10 * 3600;
    await place('attic', hour + 10);
    expect((await source.findRecordedPeriods('attic', hour, hour + 3600)).periods.map((p) => p.startTime)).toEqual([hour + 10]);
    const added = await place('attic', hour + 20);
    expect((await source.findRecordedPeriods('attic', hour, hour + 3600)).periods.map((p) => p.startTime)).toEqual([hour + 10, hour + 20]);
    await rm(added);
    expect((await source.findRecordedPeriods('attic', hour, hour + 3600)).periods.map((p) => p.startTime)).toEqual([hour + 10]);
  });

  it('lists the cameras found in the layout, and rejects an invalid camera name without touching the disk', async () => {
    expect(await source.listCameras()).toEqual(expect.arrayContaining(['garage', 'porch']));
    expect(await source.findRecordings('../garage', T0, T0 + 60)).toEqual([]);
  });
});
