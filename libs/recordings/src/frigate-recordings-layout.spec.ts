import { DATE_DIR_REGEX, HOUR_DIR_REGEX, hourFolder, recordingRelativePath, recordingStartTime } from './frigate-recordings-layout';

const utc = (y: number, mo: number, d: number, h: number, mi = 0, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;

describe('hourFolder', () => {
  it.each([
    [0, '1970-01-01/00'],
    [utc(2024, 3, 10, 13), '2024-03-10/13'],
    [utc(2024, 3, 10, 13, 59, 59) + 0.999, '2024-03-10/13'],
    [utc(2024, 3, 10, 14), '2024-03-10/14'],
    [utc(2024, 12, 31, 23, 30), '2024-12-31/23'],
    [utc(2025, 1, 1, 0, 0, 1), '2025-01-01/00'],
    [utc(2024, 2, 29, 5, 10), '2024-02-29/05'],
  ])('%p → %p (UTC)', (epoch, expected) => {
    expect(hourFolder(epoch)).toBe(expected);
    const [date, hour] = expected.split('/');
    expect(DATE_DIR_REGEX.test(date)).toBe(true);
    expect(HOUR_DIR_REGEX.test(hour)).toBe(true);
  });
});

describe('recordingStartTime', () => {
  it.each([
    ['2024-03-10', '13', '05.07.mp4', utc(2024, 3, 10, 13, 5, 7)],
    ['2024-03-10', '00', '00.00.mp4', utc(2024, 3, 10, 0)],
    ['2024-12-31', '23', '59.59.mp4', utc(2024, 12, 31, 23, 59, 59)],
    ['2024-02-29', '12', '30.00.mp4', utc(2024, 2, 29, 12, 30)],
  ])('%s/%s/%s is a recording', (date, hour, name, expected) => {
    expect(recordingStartTime(date, hour, name)).toBe(expected);
  });

  it.each([
    ['61.00.mp4', 'minutes over 59'],
    ['00.60.mp4', 'seconds over 59'],
    ['1.2.mp4', 'single digits'],
    ['05.07.mkv', 'another extension'],
    ['05.07.mp4.part', 'a temporary file'],
    ['05-07.mp4', 'another separator'],
    ['aa.bb.mp4', 'letters'],
    ['.05.07.mp4', 'a hidden file'],
    ['', 'nothing'],
  ])('rejects file name %p (%s)', (name) => {
    expect(recordingStartTime('2024-03-10', '13', name)).toBeNull();
  });

  it.each([
    ['2024-3-10', '13'],
    ['20240310', '13'],
    ['2024-03-10x', '13'],
    ['2024-13-01', '13'],
    ['2024-00-10', '13'],
    ['2024-02-30', '13'],
    ['2023-02-29', '13'],
    ['2024-04-31', '13'],
    ['2024-03-32', '13'],
    ['2024-03-10', '24'],
    ['2024-03-10', '99'],
    ['2024-03-10', '1'],
    ['2024-03-10', 'ab'],
    ['2024-03-10', '013'],
  ])('rejects date %p, hour %p', (date, hour) => {
    expect(recordingStartTime(date, hour, '05.07.mp4')).toBeNull();
  });
});

describe('recordingRelativePath', () => {
  it('builds <date>/<hour>/<camera>/<MM>.<SS>.mp4 in UTC', () => {
    expect(recordingRelativePath('front_door', utc(2024, 3, 10, 13, 5, 7))).toBe('2024-03-10/13/front_door/05.07.mp4');
  });

  it.each([
    utc(2024, 3, 10, 13, 5, 7),
    utc(2024, 3, 10, 13, 5, 7) + 0.75,
    utc(2024, 12, 31, 23, 59, 59),
    utc(2025, 1, 1, 0, 0, 0),
    utc(2024, 2, 29, 9, 0, 30),
    0,
  ])('round-trips %p through recordingStartTime (to the whole second)', (epoch) => {
    const path = recordingRelativePath('cam-1', epoch);
    const [date, hour, camera, name] = path.split('/');
    expect(camera).toBe('cam-1');
    expect(recordingStartTime(date, hour, name)).toBe(Math.floor(epoch));
  });

  it.each(['', '../etc', 'front door', 'front/door', 'café', 'x'.repeat(65)])('throws on camera name %p', (camera) => {
    expect(() => recordingRelativePath(camera, utc(2024, 3, 10, 13))).toThrow(/invalid camera name/);
  });
});
