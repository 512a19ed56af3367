import { Injectable } from '@nestjs/common';
import { access } from 'node:fs/promises';

/** Whether recording files are still there: an NVR deletes old recordings while they may be watched. */
@Injectable()
export class RecordingPresence {
  /** The local files among `paths` that no longer exist (URLs are not checked: their upstream answers for them). */
  async missingAmong(paths: readonly string[]): Promise<Set<string>> {
    const missing = new Set<string>();
    await Promise.all(
      paths.map(async (path) => {
        if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return;
        await access(path).catch(() => missing.add(path));
      }),
    );
    return missing;
  }
}
