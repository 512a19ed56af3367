import { Inject, Injectable } from '@nestjs/common';
import { RECORDING_SOURCE, RecordingSource, RecordingTimeline, planTimeline } from '@app/recordings';
import type { PlaybackSpeed } from '../model/playback-speed';
import { HOUR_SECONDS, hoursOfRange, planHourTimeline } from '../plan/hour-timeline';
import { chooseOutputFormat } from '../plan/output-format';
import { chooseRendition, planRenditionSegments } from '../plan/rendition';
import { planTrackGrid } from '../plan/track-grid';
import { planTrack } from '../tracks/track-plan';
import { planTrackView } from '../tracks/view-plan';
import { InvalidRangeException, NoRecordingsException, UnknownCameraException } from '../transcode.exceptions';
import { TRANSCODE_MODULE_OPTIONS, TranscodeModuleOptions } from '../transcode.module-definition';
import type { SessionPlan } from './transcode-session';

/** A range's recordings, read, and the plan of a session over them, by the module's settings. */
@Injectable()
export class RangePlanner {
  constructor(
    @Inject(TRANSCODE_MODULE_OPTIONS) private readonly options: TranscodeModuleOptions,
    @Inject(RECORDING_SOURCE) private readonly recordings: RecordingSource,
  ) {}

  /** 400 for a range that ends before it starts or is longer than MAX_RANGE_SECONDS. */
  assertRange(start: number, end: number): void {
    assertRangeWithin(start, end, this.options.maxRangeSeconds);
  }

  /** The range's recordings on the collapsed timeline; 404 for an unknown camera or a range with none. */
  async timeline(camera: string, start: number, end: number): Promise<RecordingTimeline> {
    const files = await this.recordings.findRecordings(camera, start, end);
    // The plan's boundaries are the files' frames: their headers say where those are.
    const timeline = planTimeline(await this.recordings.withMedia(files), start, end);
    if (timeline.pieces.length > 0) return timeline;
    const cameras = await this.recordings.listCameras();
    if (!cameras.includes(camera)) throw new UnknownCameraException(camera);
    throw new NoRecordingsException(camera, start, end);
  }

  /**
   * How a session of `speed` plays the range: with SHARED_TRACKS, a range of one camera hour
   * encoded at 1× is a view of the hour's track (its recordings read, its grid cut, the range's
   * entries over it); anything else is planned on its own, as sessionPlan does.
   */
  async rangePlan(camera: string, start: number, end: number, timeline: RecordingTimeline, speed: PlaybackSpeed): Promise<SessionPlan> {
    const plan = this.sessionPlan(timeline, speed);
    const hours = hoursOfRange(start, end);
    if (!this.options.sharedTracks || plan.rendition.video.mode !== 'encode' || plan.rendition.speed !== 1 || hours.length !== 1) return plan;
    const hourStart = hours[0];
    const files = await this.recordings.withMedia(await this.recordings.findRecordings(camera, hourStart, hourStart + HOUR_SECONDS));
    const hour = planHourTimeline(camera, hourStart, files);
    const grid = planTrackGrid(hour, { lineSeconds: this.options.segmentDurationSeconds });
    const view = planTrackView(start, end, hour, grid);
    if (!view) return plan;
    const output = chooseOutputFormat(hour.pieces, this.options.outputMaxHeight);
    const track = planTrack(hour, grid, plan.rendition, output);
    return { ...plan, output, segments: view.segments, view: { track, sources: view.sources, ownSegments: view.ownSegments } };
  }

  /** Pure but for the settings: how a session of `speed` plays a timeline (its rendition, its segments, its output format). */
  sessionPlan(timeline: RecordingTimeline, speed: PlaybackSpeed): SessionPlan {
    const rendition = chooseRendition(timeline.pieces, speed, { allowCopy: this.options.remuxH264 ?? true });
    return {
      timeline,
      rendition,
      segments: planRenditionSegments(timeline, this.options.segmentDurationSeconds, rendition),
      // Decided now rather than at its first run: the master playlist describes it before any run.
      output: chooseOutputFormat(timeline.pieces, this.options.outputMaxHeight),
    };
  }
}

/** 400 for a range that ends before it starts or is longer than `maxRangeSeconds` (MAX_RANGE_SECONDS). */
export function assertRangeWithin(start: number, end: number, maxRangeSeconds: number): void {
  if (!(end > start)) throw new InvalidRangeException('end must be after start');
  if (end - start > maxRangeSeconds) {
    throw new InvalidRangeException(`range of ${Math.round(end - start)} s is longer than the maximum of ${maxRangeSeconds} s`);
  }
}
