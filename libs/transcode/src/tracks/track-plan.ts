import { createHash } from 'node:crypto';
import type { RecordingTimeline } from '@app/recordings';
import type { SessionOutputFormat } from '../plan/output-format';
import type { SessionRendition } from '../plan/rendition';
import type { PlannedSegment } from '../plan/segment-plan';
import type { HourTimeline } from '../plan/hour-timeline';
import type { GridSegment } from '../plan/track-grid';

/** Track ids are 32 lowercase hex characters, as session ids are: nothing else names a folder. */
export const TRACK_ID_PATTERN = '[0-9a-f]{32}';

/**
 * What a track makes, decided once (design: docs/design/tracks.md): one camera hour's timeline,
 * cut on its camera-absolute grid, in one rendition and one output format. Its segments' times
 * are times on the hour's timeline; its MPEG-TS times are those plus `ptsBaseSeconds`.
 */
export interface TrackPlan {
  readonly id: string;
  readonly camera: string;
  readonly hourStart: number;
  readonly timeline: RecordingTimeline;
  readonly segments: readonly PlannedSegment[];
  readonly rendition: SessionRendition;
  readonly output: SessionOutputFormat;
  readonly ptsBaseSeconds: number;
}

/**
 * Pure: the id of the track of an hour's timeline in a rendition and an output format. The same
 * recordings, rendition and format give the same id on every node; a recording of the hour added,
 * removed or grown (Frigate's retention, a file still being written) gives another, so a track's
 * segments never carry the times of a timeline that has changed since.
 */
export function trackId(timeline: HourTimeline, rendition: SessionRendition, output: SessionOutputFormat): string {
  const recordings = timeline.pieces.map((piece) => `${piece.path}@${piece.fileStartTime}+${piece.durationSeconds}`);
  const key = JSON.stringify([timeline.camera, timeline.hourStart, renditionKey(rendition), output, recordings]);
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** Pure: what of a rendition changes the bytes of a segment (its speed, its video's path, its audio). */
export function renditionKey(rendition: SessionRendition): string {
  const video = rendition.video;
  const videoKey = video.mode === 'fast' ? `fast/${video.speed}/${video.decode}/${video.frameRate}` : video.mode;
  return `${rendition.speed}/${videoKey}/${rendition.audio}`;
}

/**
 * Pure: the plan of the track of `timeline`, cut on `grid` (planTrackGrid of that timeline): the
 * grid's segments as the driver's planned segments, numbered from 0 in grid order.
 */
export function planTrack(timeline: HourTimeline, grid: readonly GridSegment[], rendition: SessionRendition, output: SessionOutputFormat): TrackPlan {
  return {
    id: trackId(timeline, rendition, output),
    camera: timeline.camera,
    hourStart: timeline.hourStart,
    timeline: { pieces: timeline.pieces, durationSeconds: timeline.durationSeconds },
    segments: grid.map((segment) => ({
      index: segment.index,
      timelineStartSeconds: segment.startSeconds,
      durationSeconds: segment.durationSeconds,
      wallClockStartMs: segment.wallClockStartMs,
      cutSeconds: segment.cutSeconds,
      ...(segment.startsNewFormat ? { startsNewFormat: true as const } : {}),
    })),
    rendition,
    output,
    ptsBaseSeconds: timeline.ptsBaseSeconds,
  };
}
