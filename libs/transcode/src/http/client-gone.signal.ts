import type { ServerResponse } from 'node:http';

/**
 * A signal that aborts when the client goes away before its response is finished: the
 * connection closed (a player aborts the fragment it was fetching when it seeks). Read from
 * the response, since a GET's request stream has long ended by then.
 */
export function clientGoneSignal(response: ServerResponse): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  return controller.signal;
}
