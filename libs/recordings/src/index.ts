export * from './recordings.module';
export * from './recordings.module-definition';
export * from './recordings.config';
export * from './recording-source.interface';
export * from './recording-timeline';
export * from './camera-name';
export * from './frigate-recordings-layout';
export * from './mp4-header.reader';
