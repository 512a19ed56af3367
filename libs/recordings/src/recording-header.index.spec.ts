import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FfmpegProcessSupervisor } from '@app/ffmpeg';
import { readMp4Info } from './mp4-header.reader';
import { RecordingHeaderIndex } from './recording-header.index';

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
  const supervisor = { run: jest.fn() } as unknown as FfmpegProcessSupervisor;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nvr-unit-headers-'));
    read.mockReset();
    read.mockImplementation(async () => header(10));
    index = new RecordingHeaderIndex({ recordingsDir: dir, ffprobePath: 'ffprobe' }, supervisor);
  });

  afterEach(async () => rm(dir, { recursive: true, force: true }));

  async function fileNamed(name: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, 'x');
    return path;
  }

  it('describes a file from the same header read that gave its duration (one read, not two)', async () => {
    const path = await fileNamed('a.mp4');
    await index.durationsOf([path]);
    const [media] = await index.mediaOf([path]);
    expect(media?.video?.frameTimes).toEqual(Float64Array.from([0, 0.5]));
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

  it('answers null for a file that is gone or whose header says nothing, without failing the others', async () => {
    const path = await fileNamed('a.mp4');
    read.mockImplementationOnce(async () => null);
    expect(await index.mediaOf([path, join(dir, 'missing.mp4')])).toEqual([null, null]);
  });
});
