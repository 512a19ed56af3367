import { BEAT_SLACK_MS, lookAgainForRecordAt, ownerDeadByAt } from './ownership-deadlines';

describe('lookAgainForRecordAt', () => {
  const BEAT = 1000;
  it.each([
    ['the registry never (re)connected', null, 5_000, null],
    ['it reconnected long ago: no record means no session', 1_000, 5_000, null],
    ['it reconnected just now: once every node has beaten', 4_900, 5_000, 4_900 + BEAT + BEAT_SLACK_MS],
    ['the last moment a beat may still come', 5_000 - BEAT - BEAT_SLACK_MS + 1, 5_000, 5_001],
    ['right past it', 5_000 - BEAT - BEAT_SLACK_MS, 5_000, null],
  ])('%s', (_name, readyAt, now, expected) => {
    expect(lookAgainForRecordAt(readyAt, now, BEAT)).toBe(expected);
  });
});

describe('ownerDeadByAt', () => {
  const TIMEOUT = 6000;
  it.each([
    ['its heartbeat has expired: dead now', null, null],
    ['nothing left of it: dead now', 0, null],
    ['it expires in 2 s: read it again then', 2000, 10_000 + 2000 + BEAT_SLACK_MS],
    ['a heartbeat without expiry waits one node timeout at most', Number.POSITIVE_INFINITY, 10_000 + TIMEOUT + BEAT_SLACK_MS],
  ])('%s', (_name, left, expected) => {
    expect(ownerDeadByAt(10_000, left, TIMEOUT)).toBe(expected);
  });
});
