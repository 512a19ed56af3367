import fc from 'fast-check';
import { InvalidSettingError } from '@app/common';
import { DEFAULT_LADDER, LadderHeight, MIN_RUNG_HEIGHT, parseLadderSetting, planLadderRungs } from './quality-ladder';

describe('parseLadderSetting (LADDER)', () => {
  it.each<[string | undefined, readonly LadderHeight[] | null]>([
    [undefined, ['max', 480, 240]],
    ['', ['max', 480, 240]],
    ['  ', ['max', 480, 240]],
    ['off', null],
    ['OFF', null],
    ['1080,480,240', [1080, 480, 240]],
    ['max,360', ['max', 360]],
    [' MAX , 240 ', ['max', 240]],
    ['720', [720]],
    ['144,4320', [144, 4320]],
  ])('%j → %j', (value, expected) => {
    expect(parseLadderSetting(value)).toEqual(expected);
  });

  it('defaults to the top rung, then about 480p and 240p', () => {
    expect(DEFAULT_LADDER).toEqual(['max', 480, 240]);
  });

  it.each([
    ['abc', '"abc" is not a height in lines, nor max'],
    ['480,', '"" is not a height in lines, nor max'],
    ['480p', '"480p" is not a height in lines, nor max'],
    ['1.5', '"1.5" is not a height in lines, nor max'],
    ['-240', '"-240" is not a height in lines, nor max'],
    ['100', `100 is not between ${MIN_RUNG_HEIGHT} and 4320`],
    ['5000', `5000 is not between ${MIN_RUNG_HEIGHT} and 4320`],
  ])('refuses %j with one line naming the setting: %s', (value, reason) => {
    const attempt = () => parseLadderSetting(value);
    expect(attempt).toThrow(InvalidSettingError);
    expect(attempt).toThrow(`Invalid setting LADDER=${JSON.stringify(value)}: ${reason} (e.g. LADDER=max,480,240, or LADDER=off)`);
  });
});

describe('planLadderRungs', () => {
  const sizes = (rungs: ReturnType<typeof planLadderRungs>) => rungs.map((rung) => `${rung.width}x${rung.height}`);

  it.each<[string, readonly LadderHeight[], { width: number; height: number }, number, string[]]>([
    // Lower rungs keep 16:9 exactly a few lines under the height asked (no one-pixel letterbox).
    ['1080p source, default ladder, OUTPUT_MAX_HEIGHT 720', DEFAULT_LADDER, { width: 1920, height: 1080 }, 720, ['1280x720', '832x468', '416x234']],
    ['1080p source, OUTPUT_MAX_HEIGHT 1080', DEFAULT_LADDER, { width: 1920, height: 1080 }, 1080, ['1920x1080', '832x468', '416x234']],
    ['a height above the cap is the top rung, once', [1080, 720, 480], { width: 1920, height: 1080 }, 720, ['1280x720', '832x468']],
    ['720p source: never upscaled', [1080, 480, 240], { width: 1280, height: 720 }, 1080, ['1280x720', '832x468', '416x234']],
    ['4:3 source: 480 is the top, 240 exact', DEFAULT_LADDER, { width: 640, height: 480 }, 720, ['640x480', '320x240']],
    ['a source smaller than every rung: one rung', DEFAULT_LADDER, { width: 320, height: 240 }, 720, ['320x240']],
    // 2688x1520 has no exact size near 480 or 240: rounded widths, as chooseOutputFormat rounds.
    ['4 MP camera (2688x1520)', DEFAULT_LADDER, { width: 2688, height: 1520 }, 720, ['1274x720', '848x480', '424x240']],
    ['portrait source', DEFAULT_LADDER, { width: 1080, height: 1920 }, 720, ['406x720', '270x480', '126x224']],
    ['an odd cap is made even', ['max'], { width: 1920, height: 1080 }, 721, ['1280x720']],
    ['heights in any order come out highest first', [240, 'max', 480], { width: 1920, height: 1080 }, 720, ['1280x720', '832x468', '416x234']],
  ])('%s', (_name, ladder, source, outputMaxHeight, expected) => {
    expect(sizes(planLadderRungs(ladder, source, outputMaxHeight))).toEqual(expected);
  });

  it('gives the default ladder of a 1080p camera its caps and the bandwidths its master playlist advertises', () => {
    expect(planLadderRungs(DEFAULT_LADDER, { width: 1920, height: 1080 }, 720)).toEqual([
      // Caps: 2.2 bits a second per pixel, rounded to 50k, at least 300k; a buffer of half a second.
      // BANDWIDTH: the VBV bound over a 2 s segment (1.25 × cap) plus 96k of audio, +10% MPEG-TS.
      { name: '720p', width: 1280, height: 720, rate: { crf: 23, maxrateKbps: 2050, bufsizeKbps: 1025 }, bandwidth: 2924350, averageBandwidth: 2360600 },
      { name: '468p', width: 832, height: 468, rate: { crf: 23, maxrateKbps: 850, bufsizeKbps: 425 }, bandwidth: 1274350, averageBandwidth: 1040600 },
      { name: '234p', width: 416, height: 234, rate: { crf: 23, maxrateKbps: 300, bufsizeKbps: 150 }, bandwidth: 518100, averageBandwidth: 435600 },
    ]);
  });

  it('holds for any source and ladder: even sizes, the aspect kept, never taller than the source or the cap, one rung a height, highest first, bandwidth falling', () => {
    const ladder = fc.array(fc.oneof(fc.constant<LadderHeight>('max'), fc.integer({ min: MIN_RUNG_HEIGHT, max: 4320 })), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(
        ladder,
        fc.integer({ min: 160, max: 7680 }),
        fc.integer({ min: 144, max: 4320 }),
        fc.integer({ min: 144, max: 4320 }),
        (heights, width, height, cap) => {
          const rungs = planLadderRungs(heights, { width, height }, cap);
          expect(rungs.length).toBeGreaterThanOrEqual(1);
          expect(rungs.length).toBeLessThanOrEqual(new Set(heights).size);
          for (const [index, rung] of rungs.entries()) {
            expect(rung.width % 2).toBe(0);
            expect(rung.height % 2).toBe(0);
            expect(rung.height).toBeLessThanOrEqual(Math.min(height, cap));
            // The width is the source's aspect at the rung's height, rounded to an even number.
            expect(Math.abs(rung.width - (width * rung.height) / height)).toBeLessThanOrEqual(1);
            expect(rung.rate.bufsizeKbps).toBeGreaterThan(0);
            expect(rung.bandwidth).toBeGreaterThan(rung.averageBandwidth);
            if (index > 0) {
              expect(rung.height).toBeLessThan(rungs[index - 1].height);
              expect(rung.bandwidth).toBeLessThanOrEqual(rungs[index - 1].bandwidth);
            }
          }
        },
      ),
    );
  });
});
