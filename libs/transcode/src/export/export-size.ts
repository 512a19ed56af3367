/**
 * Seconds of a range's first segments that are read (into memory, never to disk) before an
 * export reserves its room: enough for a rate that is not the first keyframe's alone (at
 * 2-second segments, six segments and six keyframes), little enough to hold in memory (about
 * 4 MB at 720p).
 */
export const SIZE_SAMPLE_SECONDS = 10;

/**
 * The MP4's index (moov), which the segments' bytes do not include: measured 125 KB for 300 s
 * of 15 fps video with 48 kHz AAC (about 420 bytes a second); 1 KiB a second and 64 KiB
 * leave room for higher frame and sample rates.
 */
export function mp4IndexAllowance(seconds: number): number {
  return 64 * 1024 + Math.ceil(Math.max(0, seconds)) * 1024;
}

/**
 * Pure: the bytes an export of `totalSeconds` is expected to take, from a sample of its first
 * segments: their MPEG-TS bytes at the sample's rate, and the index. The MP4 holds the same
 * packets without MPEG-TS's packet headers (7% less, measured), so the segments' bytes bound
 * what ffmpeg has written of the media at any moment: an export's reservation grows with the
 * bytes it feeds when the sample was lighter than the rest.
 */
export function estimateExportBytes(totalSeconds: number, sampleBytes: number, sampleSeconds: number): number {
  const bytesPerSecond = sampleSeconds > 0 ? sampleBytes / sampleSeconds : 0;
  return Math.ceil(Math.max(sampleBytes, bytesPerSecond * totalSeconds)) + mp4IndexAllowance(totalSeconds);
}
