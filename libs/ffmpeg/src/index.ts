export * from './ffmpeg.module';
export * from './ffmpeg-command.builder';
export * from './ffmpeg-concat-list';
export * from './ffmpeg-output.parsers';
export * from './ffmpeg-process.supervisor';
export * from './supervised-process';
export * from './ffmpeg-input-list';
