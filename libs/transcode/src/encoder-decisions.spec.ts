import { EncoderView, SegmentAction, chooseEncoderKind, decideSegmentAction, isTooFarAhead, nextViewerHead } from './encoder-decisions';

// A run that has not finished its first segment is (while young) protected from preemption.
const running = (startIndex: number, nextIndex: number, protectedFromPreemption = nextIndex === startIndex): EncoderView => ({
  running: true,
  startIndex,
  nextIndex,
  protectedFromPreemption,
});
const stopped = (startIndex: number, nextIndex: number): EncoderView => ({
  running: false,
  startIndex,
  nextIndex,
  protectedFromPreemption: false,
});

describe('decideSegmentAction', () => {
  it.each<[string, EncoderView | null]>([
    ['no encoder', null],
    ['a stopped encoder', stopped(0, 5)],
    ['a running encoder far behind', running(0, 1)],
    ['a running encoder past it', running(0, 50)],
    ['a running encoder that started after it', running(20, 25)],
  ])('serves a ready segment whatever the encoder: %s', (_name, encoder) => {
    expect(decideSegmentAction(10, true, encoder, 4)).toBe('serve');
  });

  it.each<[string, EncoderView | null]>([
    ['no encoder', null],
    ['an encoder that is not running, even one that would otherwise be waited for', stopped(8, 10)],
  ])('restarts at a segment that is not ready with %s', (_name, encoder) => {
    expect(decideSegmentAction(10, false, encoder, 4)).toBe('restart');
  });

  it.each([
    // [requested, startIndex, nextIndex]
    [9, 10, 12],
    [0, 10, 11],
    [19, 20, 21],
  ])('restarts at %p, before the run start %p (a seek back), even within the wait window', (requested, startIndex, nextIndex) => {
    expect(decideSegmentAction(requested, false, running(startIndex, nextIndex), 4)).toBe('restart');
  });

  it.each<[number, SegmentAction]>([
    [10, 'wait'],
    [11, 'wait'],
    [12, 'wait'],
    [13, 'wait'],
    [14, 'restart'],
    [15, 'restart'],
    [100, 'restart'],
  ])('window 4, run 5..nextIndex 10: requested %p → %p', (requested, expected) => {
    expect(decideSegmentAction(requested, false, running(5, 10), 4)).toBe(expected);
  });

  it.each<[number, number, SegmentAction]>([
    // [window, requested, expected] with nextIndex 10
    [1, 10, 'wait'],
    [1, 11, 'restart'],
    [2, 11, 'wait'],
    [2, 12, 'restart'],
    [8, 17, 'wait'],
    [8, 18, 'restart'],
  ])('window %p, nextIndex 10: requested %p → %p', (window, requested, expected) => {
    expect(decideSegmentAction(requested, false, running(9, 10), window)).toBe(expected);
  });

  it.each([
    // [requested, startIndex]: the run has not finished its first segment yet.
    [0, 10],
    [9, 10],
    [10, 10],
    [500, 10],
  ])('waits for a run that has not finished its first segment (asked for %p, run from %p): restarts never preempt each other before progress', (requested, startIndex) => {
    expect(decideSegmentAction(requested, false, running(startIndex, startIndex), 4)).toBe('wait');
  });

  it.each([
    // [requested, startIndex, nextIndex]: startIndex <= requested < nextIndex, not ready.
    [5, 5, 10],
    [7, 5, 10],
    [9, 5, 10],
  ])(
    'restarts at %p that a running run (from %p, next %p) already passed without finishing it (it will never announce it)',
    (requested, startIndex, nextIndex) => {
      expect(decideSegmentAction(requested, false, running(startIndex, nextIndex), 4)).toBe('restart');
      // Whatever the wait window.
      expect(decideSegmentAction(requested, false, running(startIndex, nextIndex), 0)).toBe('restart');
      expect(decideSegmentAction(requested, false, running(startIndex, nextIndex), 1)).toBe('restart');
    },
  );

  it('with a wait window of 0 restarts at the very segment the run encodes next', () => {
    expect(decideSegmentAction(10, false, running(5, 10), 0)).toBe('restart');
  });
});

describe('nextViewerHead', () => {
  it.each([
    // [currentHead, requested, encoderStartIndex, expected]
    [5, 6, 0, 6],
    [5, 20, 0, 20],
    [5, 5, 0, 5],
  ])('moves forward: head %p, request %p (encoder from %p) → %p', (head, requested, start, expected) => {
    expect(nextViewerHead(head, requested, start)).toBe(expected);
  });

  it.each([
    [10, 8, 0, 10],
    [10, 9, 5, 10],
    [10, 5, 5, 10],
  ])('never moves back for an out-of-order prefetch at or after the encoder start: head %p, request %p (encoder from %p) → %p', (head, requested, start, expected) => {
    expect(nextViewerHead(head, requested, start)).toBe(expected);
  });

  it.each([
    [10, 4, 5, 4],
    [30, 0, 20, 0],
    [30, 19, 20, 19],
  ])('moves back for a request below the encoder start (a seek back): head %p, request %p (encoder from %p) → %p', (head, requested, start, expected) => {
    expect(nextViewerHead(head, requested, start)).toBe(expected);
  });
});

describe('isTooFarAhead', () => {
  it.each<[number, number, number, boolean]>([
    // [nextIndex, viewerHead, lookahead, expected]; nextIndex - 1 is the last finished segment.
    [14, 10, 3, true], // 13 - 10 = 3 >= 3
    [13, 10, 3, false], // 12 - 10 = 2
    [15, 10, 3, true],
    [12, 10, 1, true], // 11 - 10 = 1
    [11, 10, 1, false], // 10 - 10 = 0: only the viewer's own segment is finished
    [10, 10, 1, false], // not even that
    [5, 10, 1, false], // behind the viewer (after a seek forward)
    [11, 10, 0, true], // lookahead 0: pause as soon as the viewer's segment is done
  ])('nextIndex %p, head %p, lookahead %p → %p', (nextIndex, head, lookahead, expected) => {
    expect(isTooFarAhead(nextIndex, head, lookahead)).toBe(expected);
  });
});

describe('decideSegmentAction for a run stuck before its first segment', () => {
  it('restarts once the run is no longer protected (older than the segment wait timeout)', () => {
    expect(decideSegmentAction(40, false, running(10, 10, false), 4)).toBe('restart');
    expect(decideSegmentAction(40, false, running(10, 10, true), 4)).toBe('wait');
  });
});

describe('chooseEncoderKind', () => {
  const base = { hardwareConfigured: true, sessionFellBack: false, lastHardwareFailureAt: null, now: 100_000, retryAfterMs: 60_000 };

  it.each([
    ['no hardware configured', { hardwareConfigured: false }, 'software'],
    ['hardware configured, never failed', {}, 'hardware'],
    ['this session already fell back', { sessionFellBack: true }, 'software'],
    ['the hardware failed 10 s ago elsewhere', { lastHardwareFailureAt: 90_000 }, 'software'],
    ['the hardware failed just under the retry time ago', { lastHardwareFailureAt: 40_001 }, 'software'],
    ['the hardware failed the retry time ago: try it again', { lastHardwareFailureAt: 40_000 }, 'hardware'],
    ['a fallen-back session stays in software after the retry time', { sessionFellBack: true, lastHardwareFailureAt: 0 }, 'software'],
  ] as const)('%s → %s', (_name, overrides, expected) => {
    expect(chooseEncoderKind({ ...base, ...overrides })).toBe(expected);
  });
});
