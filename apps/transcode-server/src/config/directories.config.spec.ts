import { InvalidSettingError } from '@app/common';
import { assertSeparateFolders, foldersOverlap } from './directories.config';

describe('foldersOverlap', () => {
  it.each([
    ['/tmp/stream/transcode', '/media/frigate/recordings', false],
    ['/media/frigate', '/media/frigate/recordings', true],
    ['/media/frigate/recordings', '/media/frigate/recordings', true],
    ['/media/frigate/recordings/tmp', '/media/frigate/recordings', true],
    ['/', '/media/frigate/recordings', true],
    ['/media/frigate-transcode', '/media/frigate', false],
  ])('%s and %s: %s', (a, b, expected) => {
    expect(foldersOverlap(a, b)).toBe(expected);
  });
});

describe('assertSeparateFolders', () => {
  it('refuses a TRANSCODE_DIR that contains the recordings, naming both settings', () => {
    expect(() => assertSeparateFolders('/media', { RECORDINGS_DIR: '/media/frigate/recordings' })).toThrow(InvalidSettingError);
    expect(() => assertSeparateFolders('/media', { RECORDINGS_DIR: '/media/frigate/recordings' })).toThrow(/TRANSCODE_DIR.*overlaps RECORDINGS_DIR/);
  });

  it('takes folders apart', () => {
    expect(() =>
      assertSeparateFolders('/tmp/stream/transcode', { RECORDINGS_DIR: '/media/frigate/recordings', FRIGATE_MEDIA_ROOT: '/media/frigate' }),
    ).not.toThrow();
  });
});
