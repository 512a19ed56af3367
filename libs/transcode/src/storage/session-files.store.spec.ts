import { Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_MARKER_FILE, SessionFilesStore } from './session-files.store';
import { TranscodeModuleOptions } from '../transcode.module-definition';

const ID = 'c'.repeat(32);

// The module object itself (what the store's namespace import reads through), so open can be replaced.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeFs = require('node:fs') as typeof import('node:fs');

describe('SessionFilesStore.readWhole (finished segments, kept open)', () => {
  let root: string;
  let store: SessionFilesStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nvr-files-'));
    store = new SessionFilesStore({ transcodeDir: root } as TranscodeModuleOptions);
    await store.createSessionDir(ID);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('reads a file whole, again from the descriptor it keeps, and nothing once the file is removed', async () => {
    await writeFile(join(store.sessionDir(ID), 'r1_00003.ts'), 'first');
    expect(String(await store.readWhole(ID, 'r1_00003.ts', 5))).toBe('first');
    expect(String(await store.readWhole(ID, 'r1_00003.ts', 5))).toBe('first');
    await store.removeFile(ID, 'r1_00003.ts');
    expect(await store.readWhole(ID, 'r1_00003.ts', 5)).toBeNull();
  });

  it('never reads one file through the descriptor of another: a removed file is closed and forgotten', async () => {
    await writeFile(join(store.sessionDir(ID), 'r1_00001.ts'), 'aaaaa');
    await writeFile(join(store.sessionDir(ID), 'r1_00002.ts'), 'bbbbb');
    const reads = await Promise.all([store.readWhole(ID, 'r1_00001.ts', 5), store.readWhole(ID, 'r1_00002.ts', 5)]);
    await store.removeSessionDir(ID);
    await store.createSessionDir(ID);
    await writeFile(join(store.sessionDir(ID), 'r1_00002.ts'), 'ccccc');
    expect(reads.map(String)).toEqual(['aaaaa', 'bbbbb']);
    expect(String(await store.readWhole(ID, 'r1_00002.ts', 5))).toBe('ccccc');
  });

  it('keeps nothing open of a file removed while it was being opened', async () => {
    await writeFile(join(store.sessionDir(ID), 'r1_00005.ts'), 'eeeee');
    const reading = store.readWhole(ID, 'r1_00005.ts', 5);
    const removing = store.removeFile(ID, 'r1_00005.ts');
    await Promise.all([reading, removing]);
    await writeFile(join(store.sessionDir(ID), 'r1_00005.ts'), 'fffff');
    expect(String(await store.readWhole(ID, 'r1_00005.ts', 5))).toBe('fffff');
  });

  it('answers null for a file that is shorter than its listed size', async () => {
    await writeFile(join(store.sessionDir(ID), 'r1_00004.ts'), 'abc');
    expect(await store.readWhole(ID, 'r1_00004.ts', 5)).toBeNull();
  });
  describe('out of file descriptors', () => {
    beforeEach(() => writeFile(join(store.sessionDir(ID), 'r1_00001.ts'), 'aaaaa'));
    afterEach(() => jest.restoreAllMocks());

    /** fs.open failing as a process without a free descriptor sees it (its callback is the last argument). */
    const outOfFiles = (...args: unknown[]) =>
      (args.at(-1) as (error: NodeJS.ErrnoException) => void)(Object.assign(new Error('EMFILE: too many open files'), { code: 'EMFILE' }));

    it('is a 503 with Retry-After, not a missing segment (404), when a whole read finds no descriptor', async () => {
      jest.spyOn(nodeFs, 'open').mockImplementation(outOfFiles as never);
      await expect(store.readWhole(ID, 'r1_00001.ts', 5)).rejects.toMatchObject({ status: 503, responseHeaders: { 'Retry-After': '1' } });
    });

    it('and when a stream finds none', async () => {
      jest.spyOn(nodeFs, 'open').mockImplementation(outOfFiles as never);
      await expect(store.openReadStream(ID, 'r1_00001.ts')).rejects.toMatchObject({ status: 503 });
    });

    it('is still "gone" (null) for a file that is not there', async () => {
      expect(await store.readWhole(ID, 'r1_00009.ts', 5)).toBeNull();
      expect(await store.openReadStream(ID, 'r1_00009.ts')).toBeNull();
    });
  });
});

describe('SessionFilesStore: only its own folders', () => {
  let root: string;
  let store: SessionFilesStore;
  const other = 'd'.repeat(32);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'nvr-files-'));
    store = new SessionFilesStore({ transcodeDir: join(root, 'transcode') } as TranscodeModuleOptions);
    await store.prepareRoot();
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('makes its root and session folders for its own user only (0700)', async () => {
    await store.createSessionDir(ID);
    expect((await stat(store.rootDir)).mode & 0o777).toBe(0o700);
    expect((await stat(store.sessionDir(ID))).mode & 0o777).toBe(0o700);
  });

  it('removes at start only leftover folders it made, never a look-alike someone else keeps there', async () => {
    await store.createSessionDir(ID);
    await mkdir(join(store.rootDir, other));
    await writeFile(join(store.rootDir, other, 'precious.mp4'), 'mine');
    expect(await store.removeLeftovers()).toBe(1);
    expect(await readdir(store.rootDir)).toEqual([other]);
    expect(await readFile(join(store.rootDir, other, 'precious.mp4'), 'utf8')).toBe('mine');
  });

  it('never empties a folder of a session’s name that it did not make', async () => {
    await mkdir(join(store.rootDir, other));
    await writeFile(join(store.rootDir, other, 'precious.mp4'), 'mine');
    await expect(store.createSessionDir(other)).rejects.toThrow(/not made by this service/);
    expect(await readFile(join(store.rootDir, other, 'precious.mp4'), 'utf8')).toBe('mine');
  });

  it('leaves a folder of a session’s name that it did not make when that session is removed (a create that failed on it), with a warning', async () => {
    await mkdir(join(store.rootDir, other));
    await writeFile(join(store.rootDir, other, 'precious.mp4'), 'mine');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await store.removeSessionDir(other);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining(`${join(store.rootDir, other)} in place: it was not made by this service`));
    } finally {
      warn.mockRestore();
    }
    expect(await readFile(join(store.rootDir, other, 'precious.mp4'), 'utf8')).toBe('mine');
  });

  it('never leaves a folder of a session’s name without its marker, even when the marker cannot be written', async () => {
    const fsPromises = jest.requireActual<typeof import('node:fs/promises')>('node:fs/promises');
    const write = jest.spyOn(fsPromises, 'writeFile').mockRejectedValueOnce(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    try {
      await expect(store.createSessionDir(ID)).rejects.toThrow(/ENOSPC/);
    } finally {
      write.mockRestore();
    }
    // Nothing is left to be taken for someone else's folder: the next create of that range works.
    expect(await readdir(store.rootDir)).toEqual([]);
    await store.createSessionDir(ID);
    expect(existsSync(join(store.sessionDir(ID), SESSION_MARKER_FILE))).toBe(true);
  });

  it('removes at start what a create that died half-way left (marked, or empty), and nothing else', async () => {
    const marked = join(store.rootDir, `.creating-${ID}-0a1b2c3d`);
    await mkdir(marked);
    await writeFile(join(marked, SESSION_MARKER_FILE), '');
    await mkdir(join(store.rootDir, `.creating-${other}-01234567`));
    await mkdir(join(store.rootDir, '.creating-notes'));
    await writeFile(join(store.rootDir, '.creating-notes', 'keep.txt'), 'mine');
    await store.removeLeftovers();
    expect(await readdir(store.rootDir)).toEqual(['.creating-notes']);
  });

  it('removes a session folder it made, and is quiet about one that is already gone', async () => {
    await store.createSessionDir(ID);
    await writeFile(join(store.sessionDir(ID), 'seg_00000.ts'), 'segment');
    await store.removeSessionDir(ID);
    await store.removeSessionDir(ID);
    expect(await readdir(store.rootDir)).toEqual([]);
  });
});
