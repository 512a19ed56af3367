import { parseHardwareAccelerator, resolveHardwareDevice } from './hardware-accelerator';

describe('parseHardwareAccelerator', () => {
  it.each([
    ['none', 'none'],
    ['vaapi', 'vaapi'],
    ['QSV', 'qsv'],
    [' nvidia ', 'nvidia'],
    ['rkmpp', 'rkmpp'],
    ['amf', 'amf'],
    ['v4l2m2m', 'v4l2m2m'],
    ['preset-vaapi', 'vaapi'],
    ['preset-intel-qsv-h264', 'qsv'],
    ['preset-intel-qsv-h265', 'qsv'],
    ['preset-nvidia', 'nvidia'],
    ['preset-nvidia-h264', 'nvidia'],
    ['preset-nvidia-h265', 'nvidia'],
    ['preset-rkmpp', 'rkmpp'],
    ['preset-rk-h265', 'rkmpp'],
    ['preset-amd-amf', 'amf'],
    ['preset-rpi-64-h264', 'v4l2m2m'],
  ])('%p → %p', (value, expected) => {
    expect(parseHardwareAccelerator(value)).toBe(expected);
  });

  it.each(['cuda', 'preset-jetson-h264', 'preset-vulkan', '', '-hwaccel vaapi'])('%p is not an accelerator', (value) => {
    expect(parseHardwareAccelerator(value)).toBeNull();
  });
});

describe('resolveHardwareDevice', () => {
  it.each([
    ['vaapi', undefined, '/dev/dri/renderD128'],
    ['vaapi', '/dev/dri/renderD129', '/dev/dri/renderD129'],
    ['qsv', '', '/dev/dri/renderD128'],
    ['nvidia', undefined, '0'],
    ['nvidia', '1', '1'],
    ['amf', undefined, '0'],
  ] as const)('%s with %p uses %p', (accelerator, device, expected) => {
    expect(resolveHardwareDevice(accelerator, device)).toEqual({ device: expected });
  });

  it.each(['rkmpp', 'v4l2m2m', 'none'] as const)('%s takes no device', (accelerator) => {
    expect(resolveHardwareDevice(accelerator, '/dev/dri/renderD128')).toEqual({});
  });

  it.each([
    ['vaapi', '/dev/../etc/passwd'],
    ['vaapi', 'renderD128'],
    ['qsv', '/dev/dri/renderD128 -y'],
    ['nvidia', '/dev/dri/renderD128'],
    ['amf', 'gpu0'],
  ] as const)('%s refuses %p', (accelerator, device) => {
    expect(resolveHardwareDevice(accelerator, device).error).toBeDefined();
  });
});
