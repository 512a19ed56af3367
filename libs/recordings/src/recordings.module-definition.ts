import { rootModuleBuilder } from '@app/common';

export type RecordingsSourceKind = 'filesystem' | 'frigate-db';

export interface RecordingsModuleOptions {
  /** Where the list of recordings comes from: Frigate's folders (default) or its database. */
  source?: RecordingsSourceKind;
  /** Frigate's SQLite database (frigate.db), for source `frigate-db`. */
  frigateDbPath?: string;
  /** The local folder that is Frigate's /media/frigate (paths in its database start there). */
  frigateMediaRoot?: string;
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
