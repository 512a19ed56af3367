import { rootModuleBuilder } from '@app/common';

export type RecordingsSourceKind = 'filesystem' | 'frigate-db' | 'frigate-vod';

export interface RecordingsModuleOptions {
  /** Where the recordings come from: Frigate's folders (default), its database, or its VOD stream. */
  source?: RecordingsSourceKind;
  /** Frigate's SQLite database (frigate.db), for source `frigate-db`. */
  frigateDbPath?: string;
  /** The local folder that is Frigate's /media/frigate (paths in its database start there). */
  frigateMediaRoot?: string;
  /**
   * For source `frigate-vod`: the URL template of a range's VOD playlist, with {camera},
   * {start} and {end} (default: Frigate's internal port 5000).
   */
  frigateVodUrl?: string;
  /** For source `frigate-vod`: Frigate's API (default: /api on the VOD URL's origin). */
  frigateApiUrl?: string;
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
