import { exportContentDisposition, exportFileName } from './export-file-name';

describe('exportFileName', () => {
  it.each([
    ['front', 1_700_000_000, 'front-20231114-221320Z.mp4'],
    ['front', 1_700_000_003.4, 'front-20231114-221323Z.mp4'],
    ['front', 1_700_000_003.999, 'front-20231114-221323Z.mp4'],
    ['front_door-2', 0, 'front_door-2-19700101-000000Z.mp4'],
    ['Garage', 1_704_067_199, 'Garage-20231231-235959Z.mp4'],
    ['Garage', 1_704_067_200, 'Garage-20240101-000000Z.mp4'],
    ['odd"name/..', 1_700_000_000, 'odd_name___-20231114-221320Z.mp4'],
  ])('%s at %p is %s', (camera, start, expected) => {
    expect(exportFileName(camera, start)).toBe(expected);
  });

  it('is an attachment with the name quoted', () => {
    expect(exportContentDisposition('front', 1_700_000_000)).toBe('attachment; filename="front-20231114-221320Z.mp4"');
  });
});
