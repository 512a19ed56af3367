/**
 * The reference method: the proposed Frigate endpoint's exact ffmpeg argv (frigate/api/transcode.py,
 * PR #22572), with only its input (Frigate's VOD playlist) replaced by the same recordings as an
 * ffconcat list, and its readiness check: poll every 0.5 s for the playlist and one segment.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

export function referenceArgv(concatList: string, outputDir: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'warning',
    '-y',
    '-protocol_whitelist',
    'pipe,file,http,tcp',
    // The reference reads Frigate's VOD HLS here; the bench gives it the same files directly.
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    concatList,
    '-c:v',
    'libx264',
    '-preset',
    'fast',
    '-crf',
    '23',
    '-profile:v',
    'high',
    '-level:v',
    '4.1',
    '-pix_fmt',
    'yuv420p',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-f',
    'hls',
    '-hls_time',
    '6',
    '-hls_list_size',
    '0',
    '-hls_segment_type',
    'mpegts',
    '-hls_flags',
    'independent_segments+append_list',
    '-hls_segment_filename',
    join(outputDir, 'segment-%d.ts'),
    join(outputDir, 'master.m3u8'),
  ];
}

export interface ReferenceRun {
  process: ChildProcess;
  outputDir: string;
  startedAt: number;
}

export async function startReference(concatList: string, outputDir: string): Promise<ReferenceRun> {
  await mkdir(outputDir, { recursive: true });
  // As the reference: its own session, low priority (nice 10 here; Frigate's PROCESS_PRIORITY_LOW).
  const process = spawn('nice', ['-n', '10', 'ffmpeg', ...referenceArgv(concatList, outputDir)], {
    stdio: ['ignore', 'ignore', 'ignore'],
    detached: true,
  });
  return { process, outputDir, startedAt: performance.now() };
}

/** The reference's own readiness check: every 0.5 s, is there a playlist and a segment? */
export async function waitReferenceReady(run: ReferenceRun, timeoutMs = 120_000): Promise<number> {
  const playlist = join(run.outputDir, 'master.m3u8');
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (existsSync(playlist) && statSync(playlist).size > 0 && readdirSync(run.outputDir).some((f) => /^segment-\d+\.ts$/.test(f))) {
      return performance.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error('reference never produced a segment');
}

export function stopReference(run: ReferenceRun): void {
  try {
    process.kill(-run.process.pid!, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
