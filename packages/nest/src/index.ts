/**
 * The package's main entry: what a host app needs to mount the transcoder (TranscodeModule, and
 * the auth and recordings modules it depends on) with their options and public services. The
 * same libraries the transcode-server app is built from, one subpath each (`./transcode`,
 * `./recordings`, `./auth`, `./ffmpeg`, `./common`), for the rest of their API.
 */
export * from '@app/transcode';
export * from '@app/recordings';
export * from '@app/auth';
