import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { HttpDoor, TranscodeEvents } from '../transcode-events';

/** Marks a response already watched: a request that passes two watching layers is told once. */
const WATCHED = Symbol('httpAnswerWatched');

/**
 * Publishes an `http-answered` event once `response` is done: its status once the answer is
 * wholly handed to the socket ('finish'), `aborted` when the connection closed before that (the
 * client went away, or the answer was cut), so that no request goes uncounted whichever code
 * answers it. The path is taken now, without its query, before any router rewrites the URL.
 */
export function publishHttpAnswer(events: TranscodeEvents, door: HttpDoor, request: IncomingMessage, response: ServerResponse): void {
  const watched = response as ServerResponse & { [WATCHED]?: true };
  if (watched[WATCHED]) return;
  watched[WATCHED] = true;
  const method = request.method ?? 'GET';
  const url = request.url ?? '/';
  const queryAt = url.indexOf('?');
  const path = queryAt < 0 ? url : url.slice(0, queryAt);
  let told = false;
  const tell = (status: number | 'aborted') => {
    if (told) return;
    told = true;
    events.publish({ type: 'http-answered', door, method, path, status });
  };
  response.once('finish', () => tell(response.statusCode));
  response.once('close', () => tell(response.writableFinished ? response.statusCode : 'aborted'));
}

/**
 * Every answer of an express app as an `http-answered` event: mounted first (before the fast path
 * of ready segments, CORS, the static player and Nest's router), nothing it answers escapes. An
 * app that embeds TranscodeModule mounts it itself if it wants the count.
 */
export function httpAnswerCounting(events: TranscodeEvents) {
  return (request: Request, response: Response, next: NextFunction): void => {
    publishHttpAnswer(events, 'app', request, response);
    next();
  };
}
