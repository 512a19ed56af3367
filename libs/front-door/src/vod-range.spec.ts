import { hourRange, timeZoneOffsetSeconds } from './vod-range';

describe('timeZoneOffsetSeconds: Frigate’s zone names, offset now', () => {
  const winter = new Date('2026-01-15T12:00:00Z');
  const summer = new Date('2026-07-15T12:00:00Z');
  it.each([
    ['utc', winter, 0],
    ['UTC', summer, 0],
    ['America,New_York', winter, -5 * 3600],
    ['America,New_York', summer, -4 * 3600],
    ['Asia,Kolkata', winter, 5.5 * 3600],
    ['Europe,Berlin', summer, 2 * 3600],
    ['Nowhere,Special', winter, null],
  ])('%s at %s is %s s', (zone, now, expected) => {
    expect(timeZoneOffsetSeconds(zone, now)).toBe(expected);
  });

  it('uses the local zone (TZ) when none is named, as Frigate uses its own', () => {
    expect(timeZoneOffsetSeconds(undefined, winter, 5.5 * 3600)).toBe(5.5 * 3600);
    expect(timeZoneOffsetSeconds('utc', winter, 5.5 * 3600)).toBe(0);
  });
});

describe('hourRange: the hour Home Assistant names', () => {
  const route = { form: 'hour' as const, camera: 'front', year: 2023, month: 11, day: 14, hour: 22 };
  it.each([
    ['UTC', 0, Date.UTC(2023, 10, 14, 22) / 1000],
    ['5 h west of UTC: that local hour is 5 h later in UTC', -5 * 3600, Date.UTC(2023, 10, 15, 3) / 1000],
    ['5.5 h east', 5.5 * 3600, Date.UTC(2023, 10, 14, 16, 30) / 1000],
  ])('%s', (_name, offset, start) => {
    expect(hourRange(route, offset)).toEqual({ camera: 'front', start, end: start + 3599.999 });
  });
});
