import { segmentUri, streamPlaylistPath } from '@app/transcode';
import { HTTP_ROUTES, HttpRoute, httpMethodOf, httpRouteOf, httpStatusOf } from './http-request-labels';

const ID = '0f1e2d3c4b5a69788796a5b4c3d2e1f0';
const SEGMENT = `/stream/transcode/${ID}/${segmentUri(42)}`;

describe('the labels of nvr_transcoder_http_requests_total', () => {
  it.each<[string, 'app' | 'front_door', string, string, HttpRoute]>([
    ['a segment', 'app', 'GET', SEGMENT, 'segment'],
    ['a segment asked with HEAD', 'app', 'HEAD', SEGMENT, 'segment'],
    ['the playlist', 'app', 'GET', streamPlaylistPath(ID), 'playlist'],
    ['a bad segment name', 'app', 'GET', `/stream/transcode/${ID}/seg_1.ts`, 'other'],
    ['a bad session id', 'app', 'GET', '/stream/transcode/nope/seg_00001.ts', 'other'],
    ['a create', 'app', 'GET', '/transcode/front/start/1700000000/end/1700000060', 'session_api'],
    ['the session list', 'app', 'GET', '/transcode/sessions', 'session_api'],
    ['a delete', 'app', 'DELETE', `/transcode/${ID}`, 'session_api'],
    ['an export', 'app', 'GET', '/export/front/start/1700000000/end/1700000060.mp4', 'export'],
    ['an export’s progress', 'app', 'GET', '/export/front/start/1700000000/end/1700000060/progress', 'export'],
    ['the cameras', 'app', 'GET', '/cameras', 'cameras'],
    ['a camera’s recordings', 'app', 'GET', '/cameras/front/recordings', 'cameras'],
    ['/health', 'app', 'GET', '/health', 'health'],
    ['/metrics', 'app', 'GET', '/metrics', 'metrics'],
    ['Swagger UI', 'app', 'GET', '/docs', 'docs'],
    ['a Swagger UI asset', 'app', 'GET', '/docs/swagger-ui-bundle.js', 'docs'],
    ['the OpenAPI document', 'app', 'GET', '/docs-json', 'docs'],
    ['the player page', 'app', 'GET', '/', 'player'],
    ['the player’s script', 'app', 'GET', '/player.js', 'player'],
    ['the player’s styles', 'app', 'GET', '/player.css', 'player'],
    ['hls.js', 'app', 'GET', '/vendor/hls.min.js', 'player'],
    ['a peer’s segment', 'app', 'GET', `/internal/cluster/sessions/${ID}/${segmentUri(3)}`, 'cluster'],
    ['a peer’s open', 'app', 'POST', '/internal/cluster/sessions', 'cluster'],
    ['a scanner', 'app', 'GET', '/wp-login.php', 'other'],
    ['a path that only starts like a route', 'app', 'GET', '/healthz', 'other'],
    ['an object’s own property name', 'app', 'GET', '/constructor', 'other'],
    ['a nested file that looks like a page file', 'app', 'GET', '/x/player.js', 'other'],
    ['a transcoded /vod on the front door', 'front_door', 'GET', '/vod/front/start/1/end/2/index.m3u8', 'front_door'],
    ['a /vod segment on the front door', 'front_door', 'GET', `/vod/front/start/1/end/2/${segmentUri(3)}`, 'front_door'],
    ['Frigate’s API through the front door', 'front_door', 'GET', '/api/config', 'front_door_proxy'],
    ['a path of the app’s, through the front door to Frigate', 'front_door', 'GET', '/metrics', 'front_door_proxy'],
    ['a /vod POST through the front door to Frigate', 'front_door', 'POST', '/vod/front', 'front_door_proxy'],
  ])('%s: %s %s %s is %s', (_what, door, method, path, route) => {
    expect(httpRouteOf(door, method, path)).toBe(route);
  });

  it('names only routes of the fixed set', () => {
    const paths = ['/', '/a', '/a/b', '/transcode', '/internal', SEGMENT, '/vod/x', '/%2e%2e/etc/passwd', ''];
    for (const door of ['app', 'front_door'] as const) {
      for (const path of paths) expect(HTTP_ROUTES).toContain(httpRouteOf(door, 'GET', path));
    }
  });

  it.each([
    ['GET', 'GET'],
    ['DELETE', 'DELETE'],
    ['OPTIONS', 'OPTIONS'],
    ['PROPFIND', 'other'],
    ['get', 'other'],
  ])('counts the method %s as %s', (method, counted) => {
    expect(httpMethodOf(method)).toBe(counted);
  });

  it.each<[number | 'aborted', string]>([
    [200, '200'],
    [206, '206'],
    [404, '404'],
    [507, '507'],
    ['aborted', 'aborted'],
    [0, 'other'],
    [999, 'other'],
  ])('counts the status %s as %s', (status, counted) => {
    expect(httpStatusOf(status)).toBe(counted);
  });
});
