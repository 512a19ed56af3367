import { rootModuleBuilder } from '@app/common';

export interface RecordingsModuleOptions {
  /** Frigate's recordings folder (`/media/frigate/recordings`). */
  recordingsDir: string;
  /** ffprobe, the fallback for files whose MP4 header has no duration. */
  ffprobePath: string;
}

export const {
  ConfigurableModuleClass: RecordingsConfigurableModule,
  MODULE_OPTIONS_TOKEN: RECORDINGS_MODULE_OPTIONS,
  OPTIONS_TYPE: RECORDINGS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: RECORDINGS_ASYNC_OPTIONS_TYPE,
} = rootModuleBuilder<RecordingsModuleOptions>().build();
