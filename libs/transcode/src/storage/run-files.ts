import type { InputListFormat } from '@app/ffmpeg';

/**
 * The names of the files a run writes in its session's folder. Segments are named by their run
 * (run 7 writes r7_00012.ts, …), so runs never overwrite each other's; clients never see these
 * names (they ask for seg_NNNNN.ts, hls/hls-names.ts).
 */
const RUN_FILE_REGEX = /^r(\d+)_(\d{5})\.ts$/;

/** The file prefix ffmpeg's segment muxer is given for run `runId`. */
export function runFilePrefix(runId: number): string {
  return `r${runId}_`;
}

/** The run that wrote a segment file, or undefined for a name no run writes. */
export function runOfFile(fileName: string): number | undefined {
  const match = RUN_FILE_REGEX.exec(fileName);
  return match ? Number(match[1]) : undefined;
}

/** The input list of encoder run N: an ffconcat list of recordings, or an HLS playlist of upstream segments. */
export function inputListFileName(runId: number, format: InputListFormat): string {
  return `run-${runId}.${format === 'concat' ? 'ffconcat' : 'm3u8'}`;
}

/** Whether `name` is the input list of run `runId` (whatever its format). */
export function isRunInputList(name: string, runId: number): boolean {
  return name === inputListFileName(runId, 'concat') || name === inputListFileName(runId, 'hls');
}
