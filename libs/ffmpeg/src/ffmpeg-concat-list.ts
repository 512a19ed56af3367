/** One file in an ffconcat list. */
export interface ConcatListEntry {
  path: string;
  /**
   * Known duration of what is played of the file (from its in point); sets where the next file
   * starts on the concatenated timeline (gaps collapse).
   */
  durationSeconds: number;
  /** Where to start reading the file, when its beginning is not played. */
  inpointSeconds?: number;
  /** Where to stop reading the file, when only its beginning is used. */
  outpointSeconds?: number;
}

/**
 * Pure: the text of an ffconcat v1.0 list. Single quotes in paths are escaped the way
 * ffmpeg's tokenizer expects ('\''), so no path can break out of its quoted string.
 */
export function buildConcatList(entries: readonly ConcatListEntry[]): string {
  const lines = ['ffconcat version 1.0'];
  for (const entry of entries) {
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(entry.path)) {
      throw new Error(`recording path contains a control character: ${JSON.stringify(entry.path)}`);
    }
    lines.push(`file '${entry.path.replace(/'/g, "'\\''")}'`);
    if (entry.inpointSeconds !== undefined) {
      lines.push(`inpoint ${entry.inpointSeconds.toFixed(6)}`);
    }
    if (entry.outpointSeconds !== undefined) {
      lines.push(`outpoint ${entry.outpointSeconds.toFixed(6)}`);
    }
    lines.push(`duration ${entry.durationSeconds.toFixed(6)}`);
  }
  return lines.join('\n') + '\n';
}
