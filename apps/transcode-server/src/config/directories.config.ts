import { registerAs } from '@nestjs/config';
import { isAbsolute, relative } from 'node:path';
import { InvalidSettingError } from '@app/common';
import { recordingsConfig } from '@app/recordings';
import { transcodeConfig } from '@app/transcode';

/** Pure: whether two folders overlap (the same, or one inside the other). */
export function foldersOverlap(a: string, b: string): boolean {
  const inside = (parent: string, child: string) => {
    const path = relative(parent, child);
    return path === '' || (!path.startsWith('..') && !isAbsolute(path));
  };
  return inside(a, b) || inside(b, a);
}

/**
 * Pure: TRANSCODE_DIR (where this service writes and deletes) must not overlap the recordings
 * (RECORDINGS_DIR, FRIGATE_MEDIA_ROOT): a mistake there must never put a camera's recordings
 * in reach of a cleanup.
 */
export function assertSeparateFolders(transcodeDir: string, readOnly: Record<string, string>): void {
  for (const [name, dir] of Object.entries(readOnly)) {
    if (foldersOverlap(transcodeDir, dir)) {
      throw new InvalidSettingError(
        `Invalid setting TRANSCODE_DIR=${JSON.stringify(transcodeDir)}: it overlaps ${name}=${JSON.stringify(dir)}; give the segments a folder of their own (a tmpfs)`,
      );
    }
  }
}

/** A check across namespaces, at start with the others: the folders the service writes and the ones it only reads are apart. */
export const directoriesConfig = registerAs('directories', () => {
  const { transcodeDir } = transcodeConfig();
  const { recordingsDir, frigateMediaRoot } = recordingsConfig();
  assertSeparateFolders(transcodeDir, { RECORDINGS_DIR: recordingsDir, ...(frigateMediaRoot ? { FRIGATE_MEDIA_ROOT: frigateMediaRoot } : {}) });
  return { transcodeDir };
});
