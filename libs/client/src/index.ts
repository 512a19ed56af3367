import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './api-types.generated';

/** The API's paths, operations and schemas, generated from its OpenAPI document (`npm run openapi`). */
export type { components, operations, paths } from './api-types.generated';

type Schemas = components['schemas'];
/** Every error answer: `{"success": false, "message": "..."}`. */
export type ErrorResponse = Schemas['ErrorResponseDto'];
export type TranscodeStartedResponse = Schemas['TranscodeStartedResponse'];
export type TranscodeSessionSummary = Schemas['TranscodeSessionSummary'];
export type TranscodeSessionListResponse = Schemas['TranscodeSessionListResponse'];
export type CameraListResponse = Schemas['CameraListResponse'];
export type RecordingsResponse = Schemas['RecordingsResponse'];
export type ExportProgressResponse = Schemas['ExportProgressResponse'];

export interface TranscodeClientOptions extends Omit<ClientOptions, 'baseUrl'> {
  /**
   * A login token (Frigate's JWT, or METRICS_TOKEN for /metrics), sent as `Authorization: Bearer`
   * on every request; a function is asked again for each request, for tokens that get renewed.
   */
  token?: string | (() => string | undefined | Promise<string | undefined>);
}

/** An openapi-fetch client of the API: `client.GET('/transcode/{camera}/start/{start}/end/{end}', { params: { path } })`. */
export type TranscodeClient = Client<paths>;

/**
 * A typed client of an nvr-transcoder at `baseUrl` (e.g. `http://nvr:3000`). Every call answers
 * `{ data, error, response }`: `data` typed by the route's 200 answer, `error` by its JSON errors.
 */
export function createTranscodeClient(baseUrl: string, options: TranscodeClientOptions = {}): TranscodeClient {
  const { token, ...clientOptions } = options;
  const client = createClient<paths>({ ...clientOptions, baseUrl });
  if (token !== undefined) {
    client.use({
      async onRequest({ request }) {
        const value = typeof token === 'function' ? await token() : token;
        if (value) request.headers.set('Authorization', `Bearer ${value}`);
        return request;
      },
    });
  }
  return client;
}
