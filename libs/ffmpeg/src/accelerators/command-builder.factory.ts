import { FfmpegCommandBuilder } from '../ffmpeg-command.builder';
import { AmfCommandBuilder } from './amf-command.builder';
import { HardwareAccelerator, resolveHardwareDevice } from './hardware-accelerator';
import { NvencCommandBuilder } from './nvenc-command.builder';
import { QsvCommandBuilder } from './qsv-command.builder';
import { RkmppCommandBuilder } from './rkmpp-command.builder';
import { V4l2m2mCommandBuilder } from './v4l2m2m-command.builder';
import { VaapiCommandBuilder } from './vaapi-command.builder';

/** Pure: the command builder of an accelerator (the software one for `none`). */
export function commandBuilderFor(accelerator: HardwareAccelerator, device?: string): FfmpegCommandBuilder {
  const resolved = resolveHardwareDevice(accelerator, device);
  if (resolved.error) throw new Error(resolved.error);
  switch (accelerator) {
    case 'none':
      return new FfmpegCommandBuilder();
    case 'vaapi':
      return new VaapiCommandBuilder(resolved.device!);
    case 'qsv':
      return new QsvCommandBuilder(resolved.device!);
    case 'nvidia':
      return new NvencCommandBuilder(resolved.device!);
    case 'amf':
      return new AmfCommandBuilder(resolved.device!);
    case 'rkmpp':
      return new RkmppCommandBuilder();
    case 'v4l2m2m':
      return new V4l2m2mCommandBuilder();
  }
}
