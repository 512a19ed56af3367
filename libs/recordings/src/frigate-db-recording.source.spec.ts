import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidSettingError } from '@app/common';
import { writeFrigateDb } from '../../../test/support/frigate-db';
import { FrigateDbRecordingSource, loadSqlite } from './frigate-db-recording.source';

const T = 1_700_000_000;

describe('FrigateDbRecordingSource', () => {
  let dir: string;
  let source: FrigateDbRecordingSource;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nvr-unit-frigate-db-'));
    writeFrigateDb(join(dir, 'frigate.db'), [
      { id: 'a', camera: 'front', path: '/media/frigate/recordings/2023-11-14/22/front/13.20.mp4', start_time: T, end_time: T + 10, duration: 10 },
      { id: 'b', camera: 'front', path: '/media/frigate/recordings/2023-11-14/22/front/13.30.mp4', start_time: T + 10, end_time: T + 20, duration: 10 },
      { id: 'c', camera: 'front', path: '/media/frigate/recordings/2023-11-14/22/front/14.00.mp4', start_time: T + 40, end_time: T + 50, duration: 0 },
      { id: 'd', camera: 'back', path: '/media/frigate/../../etc/passwd', start_time: T, end_time: T + 10, duration: 10 },
      { id: 'e', camera: 'bad name', path: '/media/frigate/recordings/x.mp4', start_time: T, end_time: T + 10, duration: 10 },
      { id: 'f', camera: 'side', path: "/media/frigate/recordings/a.mp4'\nfile '/etc/shadow", start_time: T, end_time: T + 10, duration: 10 },
      { id: 'g', camera: 'side', path: '/media/frigate/recordings/b\u0000.mp4', start_time: T + 10, end_time: T + 20, duration: 10 },
    ]);
    source = new FrigateDbRecordingSource({
      recordingsDir: '/unused',
      ffprobePath: 'ffprobe',
      source: 'frigate-db',
      frigateDbPath: join(dir, 'frigate.db'),
      frigateMediaRoot: '/srv/frigate-media',
    });
  });

  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('lists the cameras of the recordings table, leaving out names Frigate would not accept', async () => {
    expect(await source.listCameras()).toEqual(['back', 'front', 'side']);
  });

  it('finds the rows overlapping a range, in order, with paths mapped to the media root', async () => {
    const files = await source.findRecordings('front', T + 5, T + 45);
    expect(files).toEqual([
      { camera: 'front', path: '/srv/frigate-media/recordings/2023-11-14/22/front/13.20.mp4', startTime: T, durationSeconds: 10 },
      { camera: 'front', path: '/srv/frigate-media/recordings/2023-11-14/22/front/13.30.mp4', startTime: T + 10, durationSeconds: 10 },
      // A row without a duration uses end - start.
      { camera: 'front', path: '/srv/frigate-media/recordings/2023-11-14/22/front/14.00.mp4', startTime: T + 40, durationSeconds: 10 },
    ]);
  });

  it('skips a row whose path would leave the media root', async () => {
    expect(await source.findRecordings('back', T, T + 10)).toEqual([]);
  });

  it('skips a row whose path holds a control character (a line break, NUL)', async () => {
    expect(await source.findRecordings('side', T, T + 20)).toEqual([]);
  });

  it('opens the database read-only: a missing file stops the app with one line naming FRIGATE_DB_PATH', () => {
    const missing = new FrigateDbRecordingSource({
      recordingsDir: '/unused',
      ffprobePath: 'ffprobe',
      source: 'frigate-db',
      frigateDbPath: join(dir, 'missing.db'),
    });
    expect(() => missing.onModuleInit()).toThrow(InvalidSettingError);
    expect(() => missing.onModuleInit()).toThrow(/FRIGATE_DB_PATH=.*missing\.db/);
  });
});

describe('FrigateDbRecordingSource.listCameras (reused for 10 s)', () => {
  let dir: string;
  const row = (id: string, camera: string) => ({ id, camera, path: `/media/frigate/recordings/${id}.mp4`, start_time: T, end_time: T + 10, duration: 10 });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'nvr-unit-frigate-db-'));
  });

  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('answers from its last read for 10 s, without asking the database; a camera Frigate adds meanwhile shows up after that', async () => {
    const path = join(dir, 'frigate.db');
    writeFrigateDb(path, [row('a', 'front')]);
    const source = new FrigateDbRecordingSource({ recordingsDir: '/unused', ffprobePath: 'ffprobe', source: 'frigate-db', frigateDbPath: path });
    const at = 1_000_000;
    expect(await source.listCameras(at)).toEqual(['front']);
    // Frigate records a new camera (another connection, as Frigate's own process writes).
    writeFrigateDb(path, [row('b', 'garage')]);
    expect(await source.listCameras(at + 1)).toEqual(['front']);
    expect(await source.listCameras(at + 10_000)).toEqual(['front']);
    expect(await source.listCameras(at + 10_001)).toEqual(['front', 'garage']);
  });
});

describe('loadSqlite', () => {
  const missing = () => {
    throw Object.assign(new Error("Cannot find module 'better-sqlite3'\nRequire stack: ..."), { code: 'MODULE_NOT_FOUND' });
  };

  it('loads better-sqlite3 when a database is opened', () => {
    expect(typeof loadSqlite()).toBe('function');
  });

  it('stops the app with one line naming the package when better-sqlite3 is not installed (an optional peer of the npm package)', () => {
    expect(() => loadSqlite(missing)).toThrow(InvalidSettingError);
    expect(() => loadSqlite(missing)).toThrow(
      /^RECORDINGS_SOURCE=frigate-db needs the package better-sqlite3, which is not installed: npm install better-sqlite3 \(Cannot find module 'better-sqlite3'\)$/,
    );
  });

  it('passes on any other failure to load it as it is', () => {
    const broken = new Error('bad ELF header');
    expect(() =>
      loadSqlite(() => {
        throw broken;
      }),
    ).toThrow(broken);
  });
});
