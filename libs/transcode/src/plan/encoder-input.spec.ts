import { buildInputList } from '@app/ffmpeg';
import type { TimelinePiece } from '@app/recordings';
import { RunSessionPlan, runInput, runTranscodeOptions } from './encoder-input';
import type { PlannedSegment } from './segment-plan';

const PIECE: TimelinePiece = {
  path: '/rec/a.mp4',
  fileStartTime: 1000,
  fileDurationSeconds: 10,
  inpointSeconds: 0,
  durationSeconds: 10,
  timelineOffsetSeconds: 0,
};
const SEGMENTS: PlannedSegment[] = [0, 1, 2, 3, 4].map((index) => ({
  index,
  timelineStartSeconds: index * 2,
  durationSeconds: 2,
  wallClockStartMs: (1000 + index * 2) * 1000,
  cutSeconds: index === 0 ? 0 : index * 2 - 0.005,
}));

function optionsOf(plan: RunSessionPlan, index: number) {
  const input = runInput(plan, index);
  const list = buildInputList(input.entries, input.inputOffsetSeconds);
  return runTranscodeOptions(plan, index, input, list, '/tmp/list', { outputDir: '/tmp', segmentFilePrefix: 'r1_', outputMaxHeight: 720, preset: 'ultrafast' });
}

describe('runTranscodeOptions: output times', () => {
  const plan = (ptsBaseSeconds?: number): RunSessionPlan => ({
    timeline: { pieces: [PIECE], durationSeconds: 10 },
    segments: SEGMENTS,
    ...(ptsBaseSeconds !== undefined ? { ptsBaseSeconds } : {}),
    outputFormat: () => ({}),
  });

  it.each([
    ['a session’s own timeline, from its start', undefined, 0, 0],
    ['a session’s own timeline, from #3', undefined, 3, 5.995],
    ['a track’s hour (MPEG-TS base 36,600 s), from its start', 36_600, 0, 36_600],
    ['a track’s hour, from #3: every run writes the same time for the same frame', 36_600, 3, 36_605.995],
  ])('%s (MPEG-TS base %p, a run from #%p): output offset %p s', (_, base, index, offset) => {
    expect(optionsOf(plan(base as number | undefined), index as number).outputOffsetSeconds).toBeCloseTo(offset as number, 9);
  });
});
