import { RecordingFile, RecordingMedia, planTimeline } from '@app/recordings';
import { PlaybackSpeed, asPlaybackSpeed } from '../model/playback-speed';
import { FAST_MAX_FRAME_RATE, canCopyVideo, chooseRendition, planRenditionSegments, selectedFrames, slotPhase } from './rendition';
import { avcCodecString } from '../sessions/transcode-session';

const T = 1_700_000_000;

/** A recording's media: `fps` frames a second for `seconds`, a keyframe every `gop` seconds. */
function media({
  fps = 15,
  seconds = 10,
  gop = 2,
  codecTag = 'hvc1',
  avc,
  audio = 'mp4a',
  width = 1920,
  height = 1080,
  sampleRate = 48000,
  channels = 1,
}: {
  fps?: number;
  seconds?: number;
  gop?: number;
  codecTag?: string;
  avc?: { profile: number; compatibility: number; level: number };
  audio?: string | null;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}): RecordingMedia {
  const frames = Float64Array.from({ length: Math.round(fps * seconds) }, (_, i) => i / fps);
  return {
    video: { kind: 'video', codecTag, width, height, frameTimes: frames, keyframeTimes: frames.filter((_, i) => i % Math.round(gop * fps) === 0), avc },
    ...(audio ? { audio: { kind: 'audio', codecTag: audio, sampleRate, channels } } : {}),
  };
}

const HIGH_41 = { profile: 100, compatibility: 0, level: 41 };

/** Ten-second files back to back from T, each with `mediaOf(i)`; the range [T + from, T + to). */
function timeline(files: number, mediaOf: (index: number) => RecordingMedia, from = 0, to = files * 10) {
  const recordings: RecordingFile[] = Array.from({ length: files }, (_, i) => ({
    camera: 'cam',
    path: `/rec/${i}.mp4`,
    startTime: T + i * 10,
    durationSeconds: 10,
    media: mediaOf(i),
  }));
  return planTimeline(recordings, T + from, T + to);
}

describe('chooseRendition', () => {
  const h264 = () => media({ codecTag: 'avc1', avc: HIGH_41 });
  it.each([
    ['H.265 at 1×: encoded with its audio', () => media({}), 1, { mode: 'encode' }, 'encode'],
    ['High 4.1 H.264 with AAC: copied, audio too', h264, 1, { mode: 'copy' }, 'copy'],
    [
      'Baseline H.264 without audio: copied, no audio',
      () => media({ codecTag: 'avc1', avc: { profile: 66, compatibility: 0xc0, level: 30 }, audio: null }),
      1,
      { mode: 'copy' },
      'none',
    ],
    ['H.264 with G.711 audio: video copied, audio encoded', () => media({ codecTag: 'avc1', avc: HIGH_41, audio: 'alaw' }), 1, { mode: 'copy' }, 'encode'],
    [
      'H.264 with 16 kHz AAC (signalled as HE-AAC to Firefox): video copied, audio encoded at 48 kHz',
      () => media({ codecTag: 'avc1', avc: HIGH_41, sampleRate: 16000 }),
      1,
      { mode: 'copy' },
      'encode',
    ],
    ['H.264 with 5.1 AAC: video copied, audio mixed down', () => media({ codecTag: 'avc1', avc: HIGH_41, channels: 6 }), 1, { mode: 'copy' }, 'encode'],
    ['High 10 H.264: encoded', () => media({ codecTag: 'avc1', avc: { profile: 110, compatibility: 0, level: 41 } }), 1, { mode: 'encode' }, 'encode'],
    ['High 4:4:4 H.264: encoded', () => media({ codecTag: 'avc1', avc: { profile: 244, compatibility: 0, level: 30 } }), 1, { mode: 'encode' }, 'encode'],
    ['level 6.0 H.264: encoded', () => media({ codecTag: 'avc1', avc: { profile: 100, compatibility: 0, level: 60 } }), 1, { mode: 'encode' }, 'encode'],
    ['H.264 at 16×: fast, video only', h264, 16, { mode: 'fast', speed: 16 }, 'none'],
  ] as const)('%s', (_what, mediaOf, speed, video, audio) => {
    const rendition = chooseRendition(timeline(3, mediaOf).pieces, speed as PlaybackSpeed);
    expect(rendition.speed).toBe(speed);
    expect(rendition.video).toMatchObject(video);
    expect(rendition.audio).toBe(audio);
  });

  it('encodes a range that mixes H.264 and H.265 (one stream, one format), and copies nothing when REMUX_H264 is off', () => {
    const mixed = timeline(4, (i) => (i < 2 ? media({ codecTag: 'avc1', avc: HIGH_41 }) : media({})));
    expect(canCopyVideo(mixed.pieces)).toBe(false);
    expect(chooseRendition(mixed.pieces, 1).video.mode).toBe('encode');
    const h264 = timeline(2, () => media({ codecTag: 'avc1', avc: HIGH_41 }));
    expect(chooseRendition(h264.pieces, 1, { allowCopy: false }).video.mode).toBe('encode');
    // A camera reconfigured to another size mid-range: a copy would change size mid-stream.
    const resized = timeline(2, (i) => media({ codecTag: 'avc1', avc: HIGH_41, width: i ? 1280 : 1920, height: i ? 720 : 1080 }));
    expect(canCopyVideo(resized.pieces)).toBe(false);
    // No keyframe times (an upstream segment's header was not read): nothing to cut at.
    expect(canCopyVideo(timeline(1, () => ({})).pieces)).toBe(false);
  });

  it.each([
    // speed, GOP seconds, fps → decode, frame rate, select
    [16, 2, 15, 'keyframes', 15, false], // 8 keyframes per output second: keyframes only, all kept
    [32, 2, 15, 'keyframes', 15, true], // 16 per output second: more than 15, one per slot kept
    [8, 2, 15, 'all', 15, true], // 4 per output second: too few, every frame decoded
    [8, 10, 15, 'all', 15, true], // one keyframe per file
    [16, 2, 6, 'keyframes', 6, true], // a 6 fps camera: never more than its own rate
    [2, 1, 25, 'all', 15, true],
  ] as const)('at %d× with a %d s GOP at %d fps: decodes %s frames, outputs %d fps (select: %s)', (speed, gop, fps, decode, frameRate, select) => {
    const video = chooseRendition(timeline(6, () => media({ gop, fps })).pieces, speed).video;
    expect(video).toMatchObject({ mode: 'fast', speed, decode, frameRate });
    expect(video.mode === 'fast' && !!video.select).toBe(select);
    if (video.mode === 'fast' && video.select) expect(video.select.stepSeconds).toBeCloseTo(speed / frameRate, 9);
  });

  it('reads a registry record speed back as one of the speeds, 1 otherwise', () => {
    expect([16, 3, undefined, 1, 32].map((value) => asPlaybackSpeed(value))).toEqual([16, 1, 1, 1, 32]);
  });
});

describe('slotPhase and selectedFrames', () => {
  it('puts the slot edges in the middle of the widest gap between frame positions, so no frame sits on an edge', () => {
    // 15 fps from 0: frames at k/15; slots of 16/15 s hold exactly 16 frames, and without a shift
    // every 16th frame would sit exactly on an edge.
    const frames = Array.from({ length: 300 }, (_, i) => i / 15);
    const step = 16 / 15;
    const phase = slotPhase(frames, step);
    for (const frame of frames) {
      const position = (frame + phase) / step;
      expect(Math.abs(position - Math.round(position))).toBeGreaterThan(0.4 / 16);
    }
    const kept = selectedFrames(frames, { stepSeconds: step, phaseSeconds: phase });
    expect(kept).toHaveLength(Math.ceil(300 / 16));
    // One frame per slot, 16 frames apart.
    for (let i = 1; i < kept.length; i += 1) expect(Math.round((kept[i] - kept[i - 1]) * 15)).toBe(16);
  });

  it('keeps the first frame of each slot, whatever frame a run starts from', () => {
    const frames = Array.from({ length: 120 }, (_, i) => 0.37 + i * 0.04 + (i % 3) * 0.003);
    const select = { stepSeconds: 0.5, phaseSeconds: slotPhase(frames, 0.5) };
    const all = selectedFrames(frames, select);
    // A run that starts at a kept frame keeps the same frames from there on.
    const from = all[7];
    expect(
      selectedFrames(
        frames.filter((time) => time >= from),
        select,
      ),
    ).toEqual(all.filter((time) => time >= from));
  });
});

describe('planRenditionSegments', () => {
  it('cuts a copied range only at its keyframes, from the first keyframe at or after the range start', () => {
    // Range starts 1.3 s into a file whose keyframes are every 2 s: the first one in range is at 0.7 s.
    const copied = timeline(3, () => media({ codecTag: 'avc1', avc: HIGH_41, gop: 2 }), 1.3, 29.9);
    const segments = planRenditionSegments(copied, 2, chooseRendition(copied.pieces, 1));
    expect(segments[0].timelineStartSeconds).toBeCloseTo(0.7, 6);
    expect(segments[0].cutSeconds).toBeLessThan(0.7);
    expect(segments[0].wallClockStartMs).toBe((T + 2) * 1000);
    for (const segment of segments) {
      const fileTime = (segment.timelineStartSeconds + 1.3) % 10;
      expect(Math.min(fileTime % 2, 2 - (fileTime % 2))).toBeLessThan(1e-6);
    }
    expect(segments.map((s) => Math.round(s.durationSeconds * 1000) / 1000)).toEqual([...Array(13).fill(2), 1.9]);
  });

  it('makes a 16× rendition’s segments 16 times longer in recordings (2 s of output each), its first 1 s of output', () => {
    const source = timeline(60, () => media({ gop: 2 }));
    const rendition = chooseRendition(source.pieces, 16);
    const segments = planRenditionSegments(source, 2, rendition);
    expect(segments[0].durationSeconds).toBe(16);
    expect(segments.slice(1, -1).every((s) => s.durationSeconds === 32)).toBe(true);
    // Each starts at a keyframe, with its camera time.
    for (const segment of segments) {
      expect(segment.timelineStartSeconds % 2).toBe(0);
      expect(segment.wallClockStartMs).toBe((T + segment.timelineStartSeconds) * 1000);
    }
  });

  it('starts every segment of a selecting rendition at a frame it keeps', () => {
    const source = timeline(12, () => media({ gop: 10, fps: 12.5 }), 0.33, 119.5);
    const rendition = chooseRendition(source.pieces, 8);
    if (rendition.video.mode !== 'fast' || !rendition.video.select) throw new Error('expected a selecting fast rendition');
    expect(rendition.video.frameRate).toBe(Math.min(FAST_MAX_FRAME_RATE, 12.5));
    const frames = source.pieces
      .flatMap((piece) => Array.from(piece.media!.video!.frameTimes!, (t) => piece.timelineOffsetSeconds + t - piece.inpointSeconds))
      .filter((t) => t >= -1e-9 && t < source.durationSeconds);
    const kept = selectedFrames(frames, rendition.video.select);
    const segments = planRenditionSegments(source, 2, rendition);
    for (const segment of segments) expect(kept.some((time) => Math.abs(time - segment.timelineStartSeconds) < 1e-9)).toBe(true);
  });
});

describe('avcCodecString', () => {
  it.each([
    [{ profile: 66, compatibility: 0xc0, level: 30 }, 'avc1.42c01e'],
    [{ profile: 100, compatibility: 0, level: 41 }, 'avc1.640029'],
    [{ profile: 77, compatibility: 0x40, level: 31 }, 'avc1.4d401f'],
  ])('%j → %s', (avc, codec) => {
    expect(avcCodecString(avc)).toBe(codec);
  });

  // A copied stream's CODECS is its avcC's, which the SPS repeats. Read once from real files: the
  // avcC with readMp4Info, the SPS with `ffmpeg -i f.mp4 -c copy -bsf:v trace_headers -f null -`.
  it.each([
    [
      'the zoo’s H.264 camera (libx264 ultrafast, 320x240 at 29.97)',
      { profile: 66, compatibility: 0xc0, level: 13 },
      'profile_idc 66, constraint_set0 and set1, level_idc 13',
      'avc1.42c00d',
    ],
    ['libx264 veryfast, 1280x720 at 25', { profile: 100, compatibility: 0, level: 31 }, 'profile_idc 100, no constraint flags, level_idc 31', 'avc1.64001f'],
    [
      'libx264 veryfast -profile:v main, 640x360 at 25',
      { profile: 77, compatibility: 0x40, level: 30 },
      'profile_idc 77, constraint_set1, level_idc 30',
      'avc1.4d401e',
    ],
  ])('a copied stream: %s, avcC %j (SPS: %s) → %s', (_, avc, _sps, codec) => {
    expect(avcCodecString(avc)).toBe(codec);
  });
});

describe('planRenditionSegments at the edges of files', () => {
  it('starts a copied range that begins after its first file’s last keyframe at the next file’s first keyframe', () => {
    // 10 s files with keyframes every 2 s: the range starts 9 s into the first (its last keyframe is at 8 s).
    const copied = timeline(3, () => media({ codecTag: 'avc1', avc: HIGH_41, gop: 2 }), 9, 30);
    const segments = planRenditionSegments(copied, 2, chooseRendition(copied.pieces, 1));
    expect(segments[0].timelineStartSeconds).toBeCloseTo(1, 6);
    expect(segments[0].wallClockStartMs).toBe((T + 10) * 1000);
    // Every segment starts on a keyframe (a whole even second of its file), none is empty.
    for (const segment of segments) expect(((segment.timelineStartSeconds + 9) % 10) % 2).toBeCloseTo(0, 6);
    expect(segments.every((segment) => segment.durationSeconds >= 1.999)).toBe(true);
  });

  it('restarts the slot rule where the format changes, as a run that starts there does', () => {
    // H.264, then H.265 (a camera reconfigured), 12.5 fps: at 8× every frame is decoded and one per 0.64 s kept.
    const mixed = timeline(4, (i) => (i < 2 ? media({ codecTag: 'avc1', avc: HIGH_41, fps: 12.5 }) : media({ fps: 12.5 })), 0.3, 39.7);
    const rendition = chooseRendition(mixed.pieces, 8);
    const segments = planRenditionSegments(mixed, 2, rendition);
    const change = segments.find((segment) => segment.startsNewFormat)!;
    // The new format's segment starts at its recording's first frame, the frame a run from there keeps first.
    expect(change.timelineStartSeconds).toBeCloseTo(mixed.pieces[2].timelineOffsetSeconds, 6);
  });
});
