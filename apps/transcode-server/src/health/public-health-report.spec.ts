import { publicHealthReport } from './public-health-report';

describe('publicHealthReport', () => {
  it('keeps each check’s status and drops every detail (URLs, paths, stderr)', () => {
    const report = {
      status: 'error',
      message: 'Unhealthy: recordings',
      info: { ffmpeg: { status: 'up', version: '5.1' }, transcode_dir: { status: 'up', freeMiB: 1200 } },
      error: { recordings: { status: 'down', message: 'http://frigate:5000/api/version does not answer' } },
      details: {
        ffmpeg: { status: 'up', version: '5.1' },
        transcode_dir: { status: 'up', freeMiB: 1200 },
        recordings: { status: 'down', message: 'http://frigate:5000/api/version does not answer' },
      },
    };
    expect(publicHealthReport(report)).toEqual({
      status: 'error',
      message: 'Unhealthy: recordings',
      info: { ffmpeg: { status: 'up' }, transcode_dir: { status: 'up' } },
      error: { recordings: { status: 'down' } },
      details: { ffmpeg: { status: 'up' }, transcode_dir: { status: 'up' }, recordings: { status: 'down' } },
    });
  });
});
