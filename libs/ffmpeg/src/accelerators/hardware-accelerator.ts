/** The accelerators FFMPEG_HWACCEL can name; `none` is the software encoder (libx264). */
export const HARDWARE_ACCELERATORS = ['none', 'vaapi', 'qsv', 'nvidia', 'rkmpp', 'amf', 'v4l2m2m'] as const;
export type HardwareAccelerator = (typeof HARDWARE_ACCELERATORS)[number];

/**
 * Frigate's hwaccel_args preset names, so the value from a Frigate config can be pasted as is.
 * (Frigate decodes with them; here the same hardware decodes, scales and encodes.)
 */
export const FRIGATE_PRESET_ALIASES: Readonly<Record<string, HardwareAccelerator>> = {
  'preset-vaapi': 'vaapi',
  'preset-intel-qsv-h264': 'qsv',
  'preset-intel-qsv-h265': 'qsv',
  'preset-nvidia': 'nvidia',
  'preset-nvidia-h264': 'nvidia',
  'preset-nvidia-h265': 'nvidia',
  'preset-nvidia-mjpeg': 'nvidia',
  'preset-rkmpp': 'rkmpp',
  'preset-rk-h264': 'rkmpp',
  'preset-rk-h265': 'rkmpp',
  'preset-amd-amf': 'amf',
  'preset-rpi-64-h264': 'v4l2m2m',
  'preset-rpi-64-h265': 'v4l2m2m',
};

/** Pure: the accelerator a setting names (an accelerator or a Frigate preset), or null. */
export function parseHardwareAccelerator(value: string): HardwareAccelerator | null {
  const name = value.trim().toLowerCase();
  if ((HARDWARE_ACCELERATORS as readonly string[]).includes(name)) return name as HardwareAccelerator;
  return FRIGATE_PRESET_ALIASES[name] ?? null;
}

/** What FFMPEG_HWACCEL_DEVICE means for each accelerator, and its default. */
export const HARDWARE_DEVICES: Readonly<Record<HardwareAccelerator, { kind: 'render-node' | 'gpu-index' | 'none'; default?: string }>> = {
  none: { kind: 'none' },
  vaapi: { kind: 'render-node', default: '/dev/dri/renderD128' },
  qsv: { kind: 'render-node', default: '/dev/dri/renderD128' },
  nvidia: { kind: 'gpu-index', default: '0' },
  amf: { kind: 'gpu-index', default: '0' },
  rkmpp: { kind: 'none' },
  v4l2m2m: { kind: 'none' },
};

const RENDER_NODE = /^\/dev\/dri\/[A-Za-z0-9_-]{1,32}$/;
const GPU_INDEX = /^\d{1,2}$/;

/**
 * Pure: the device to use, or a message saying why the given one is wrong. A render node must
 * be a path under /dev/dri (it goes into ffmpeg's argv); a GPU is chosen by its index.
 */
export function resolveHardwareDevice(accelerator: HardwareAccelerator, device: string | undefined): { device?: string; error?: string } {
  const spec = HARDWARE_DEVICES[accelerator];
  const value = device?.trim() || spec.default;
  if (spec.kind === 'none' || value === undefined) return {};
  if (spec.kind === 'render-node' && !RENDER_NODE.test(value)) {
    return { error: `${accelerator} needs a render node such as /dev/dri/renderD128` };
  }
  if (spec.kind === 'gpu-index' && !GPU_INDEX.test(value)) {
    return { error: `${accelerator} selects its GPU by index (0, 1, …)` };
  }
  return { device: value };
}
