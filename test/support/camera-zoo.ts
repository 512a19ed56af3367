/**
 * The camera zoo: recordings made the way Frigate makes them, from the kinds of streams real
 * cameras send. Each camera is one continuous encode cut by ffmpeg's segment muxer at keyframes
 * (`-f segment -segment_time 10 -reset_timestamps 1`), so file lengths follow the GOP, and each
 * file is named after the whole second it starts in (Frigate's `MM.SS.mp4`).
 */
import { mkdir, readdir, rename, rm, truncate, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { recordingRelativePath } from '../../libs/recordings/src/frigate-recordings-layout';
import { CameraStream, recordCameraStream } from '../../scripts/lib/camera-stream-recording';

/** Every zoo recording starts at this wall clock (2023-11-15T00:00:00Z), an hour after the other fixtures. */
export const ZOO_T0 = 1_700_006_400;

export interface ZooCamera {
  camera: string;
  /** What it stands for, in the test names. */
  what: string;
  streams: CameraStream[];
  /** Index (in start order) of a file that is deleted: a gap. */
  dropFile?: number;
  /** Index of a file cut to 60% of its bytes after its header (moov in front): a truncated recording. */
  truncateFile?: number;
}

export const ZOO: ZooCamera[] = [
  {
    camera: 'zoo_pal12',
    what: '12.5 fps, 4 s GOP (12 s and 8 s files), AAC 8 kHz mono, moov at the end',
    streams: [{ fps: '12.5', gopFrames: 50, seconds: 40, audio: { sampleRate: 8000, channels: 1 }, moovAtEnd: true }],
  },
  {
    camera: 'zoo_pal25',
    what: '25 fps, 1 s GOP, B-frames, hev1, AAC 16 kHz mono',
    streams: [{ fps: '25', gopFrames: 25, seconds: 36, hevcTag: 'hev1', bFrames: 3, audio: { sampleRate: 16000, channels: 1 } }],
  },
  {
    camera: 'zoo_ntsc',
    what: '29.97 fps, 10 s "smart codec" GOP, B-frames, open GOP, AAC 48 kHz stereo',
    streams: [{ fps: '30000/1001', gopFrames: 300, seconds: 42, bFrames: 3, openGop: true, audio: { sampleRate: 48000, channels: 2 } }],
  },
  {
    camera: 'zoo_slow6',
    what: '6 fps, 2 s GOP, 10-bit, no audio',
    streams: [{ fps: '6', gopFrames: 12, seconds: 40, tenBit: true }],
  },
  {
    camera: 'zoo_vfr',
    what: 'variable frame rate (15 fps with jittered timestamps), AAC 16 kHz mono',
    streams: [{ fps: '15', gopFrames: 30, seconds: 36, jitter: true, audio: { sampleRate: 16000, channels: 1 } }],
  },
  {
    camera: 'zoo_restart',
    what: 'a recorder restart: files that overlap',
    streams: [
      { fps: '15', gopFrames: 30, seconds: 20, audio: { sampleRate: 16000, channels: 1 } },
      { fps: '15', gopFrames: 30, seconds: 20, audio: { sampleRate: 16000, channels: 1 }, startsAt: 17 },
    ],
  },
  {
    camera: 'zoo_resize',
    what: 'a camera reconfigured mid-range: 640x360, then 320x180',
    streams: [
      { fps: '15', gopFrames: 30, seconds: 20, width: 640, height: 360, audio: { sampleRate: 16000, channels: 1 } },
      { fps: '15', gopFrames: 30, seconds: 20, width: 320, height: 180, audio: { sampleRate: 16000, channels: 1 }, startsAt: 20 },
    ],
  },
  {
    camera: 'zoo_codec',
    what: 'H.264, then H.265 after a reconfiguration, AAC 48 kHz stereo',
    streams: [
      { fps: '25', gopFrames: 50, seconds: 20, codec: 'h264', audio: { sampleRate: 48000, channels: 2 } },
      { fps: '25', gopFrames: 50, seconds: 20, audio: { sampleRate: 48000, channels: 2 }, startsAt: 20 },
    ],
  },
  {
    camera: 'zoo_late_audio',
    what: 'audio that appears mid-range (none, then AAC 8 kHz mono)',
    streams: [
      { fps: '15', gopFrames: 30, seconds: 20 },
      { fps: '15', gopFrames: 30, seconds: 20, audio: { sampleRate: 8000, channels: 1 }, startsAt: 20 },
    ],
  },
  {
    camera: 'zoo_gop4',
    what: '25 fps, 4 s GOP (12 s and 8 s files), AAC 8 kHz mono: files up to 0.16 s longer than their names say',
    streams: [{ fps: '25', gopFrames: 100, seconds: 60, audio: { sampleRate: 8000, channels: 1 } }],
  },
  {
    camera: 'zoo_drift20',
    what: '20 fps on a camera clock 0.1% fast, B-frames, 10 s GOP: 9.99 s files, named by the second they start in',
    // Frigate stamps frames with its own clock (-use_wallclock_as_timestamps), by which a camera
    // that thinks it sends 20 fps sends 20.02. Its files start 0.945 s past a second, then a
    // hundredth earlier each: names 0, 11, 21, 31, 41, then 50 (the clock 0.91 s ahead, 9 ms
    // steps, then 0.99 s back).
    streams: [{ fps: '1001/50', gopFrames: 200, seconds: 60, bFrames: 3, startsAt: 0.945 }],
  },
  {
    camera: 'zoo_gap',
    what: 'a gap (a file missing) and a truncated file',
    streams: [{ fps: '20', gopFrames: 40, seconds: 50, audio: { sampleRate: 16000, channels: 1 } }],
    dropFile: 1,
    truncateFile: 3,
  },
];

/**
 * Cameras of the fast-playback and remux suites, recorded with the zoo (not part of its suite).
 * SKIM: five minutes at 12.5 fps with a 2 s GOP, so that 16× decodes keyframes only (8 a second
 * of output) and 8× decodes every frame and keeps one per slot. H264: browser-playable H.264
 * (Constrained Baseline) at 29.97 fps with a 1.6 s GOP and AAC, which is copied, not encoded.
 */
export const SKIM: ZooCamera = {
  camera: 'zoo_skim',
  what: '12.5 fps, 2 s GOP, five minutes, no audio',
  streams: [{ fps: '12.5', gopFrames: 25, seconds: 320, width: 160, height: 120 }],
};
export const H264_CAMERA: ZooCamera = {
  camera: 'zoo_h264',
  what: 'H.264 Constrained Baseline, 29.97 fps, 1.6 s GOP, AAC 48 kHz stereo',
  streams: [{ fps: '30000/1001', gopFrames: 48, seconds: 62, codec: 'h264', audio: { sampleRate: 48000, channels: 2 } }],
};

/** Records every zoo camera (and the other suites' cameras) into `recordingsDir` (Frigate's layout), using `scratchDir` on the way. */
export async function makeCameraZoo(recordingsDir: string, scratchDir: string): Promise<void> {
  await Promise.all(
    [...ZOO, SKIM, H264_CAMERA].map(async (camera) => {
      const files: { path: string; start: number }[] = [];
      for (const [i, stream] of camera.streams.entries()) {
        const recorded = await recordCameraStream(stream, join(scratchDir, camera.camera, String(i)));
        files.push(...recorded.map((file) => ({ path: file.path, start: (stream.startsAt ?? 0) + file.start })));
      }
      for (const [index, file] of files.entries()) {
        if (index === camera.dropFile) continue;
        // Frigate names a file after the wall-clock second its first packet arrived in.
        const target = join(recordingsDir, recordingRelativePath(camera.camera, ZOO_T0 + Math.floor(file.start + 1e-6)));
        await mkdir(dirname(target), { recursive: true });
        await rm(target, { force: true });
        await rename(file.path, target);
        if (index === camera.truncateFile) await truncate(target, Math.floor((await stat(target)).size * 0.6));
      }
    }),
  );
}

/** The recordings of a zoo camera in Frigate's layout, sorted by start: path and name start time. */
export async function zooRecordings(recordingsDir: string, camera: string): Promise<{ path: string; startTime: number }[]> {
  const result: { path: string; startTime: number }[] = [];
  for (const day of await readdir(recordingsDir)) {
    for (const hour of await readdir(join(recordingsDir, day)).catch(() => [])) {
      const dir = join(recordingsDir, day, hour, camera);
      for (const name of await readdir(dir).catch(() => [])) {
        const [minutes, seconds] = name.replace('.mp4', '').split('.').map(Number);
        const startTime = Date.parse(`${day}T${hour}:00:00Z`) / 1000 + minutes * 60 + seconds;
        result.push({ path: join(dir, name), startTime });
      }
    }
  }
  return result.sort((a, b) => a.startTime - b.startTime);
}
