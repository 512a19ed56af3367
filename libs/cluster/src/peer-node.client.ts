import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { OpenOptions, RequestWithdrawnException, RoutedSession, RoutedSessionSummary, StreamFile, isPlaylistFileName } from '@app/transcode';
import { CLUSTER_MODULE_OPTIONS, ClusterModuleOptions } from './cluster.module-definition';
import { clusterNodeOf, signClusterRequest } from './cluster-request-signature';

/** Where a node answers its peers. */
export const INTERNAL_PREFIX = 'internal/cluster';

/**
 * The one connection error that means nothing listens there any more: the peer's host answered
 * that no process has the port. A failed name lookup or a missing route (EAI_AGAIN, ENOTFOUND,
 * EHOSTUNREACH, ENETUNREACH) is this node's network as likely as the peer's: the peer counts as
 * dead only once its heartbeat has expired.
 */
const DOWN_CODES = new Set(['ECONNREFUSED']);

/**
 * The peer did not answer: `down` when nothing listens at its address (the connection was
 * refused); otherwise the connection broke (reset, closed) or could not be made (no route, no
 * such host), which a live node's network may also do: its heartbeat decides.
 */
export class PeerUnreachableError extends Error {
  override readonly name = 'PeerUnreachableError';

  constructor(
    message: string,
    readonly down: boolean,
  ) {
    super(message);
  }

  /** For a viewer: the node that runs the session does not answer (502). */
  asHttpError(): HttpException {
    return new HttpException({ success: false, message: 'The node that runs this session does not answer; retry shortly' }, HttpStatus.BAD_GATEWAY);
  }
}

/**
 * HTTP to other nodes of the cluster, on their internal routes, with the cluster key. A peer's
 * error answer becomes the same HTTP error here (status and JSON body), so a viewer sees what
 * the owner said; a peer that does not answer is a PeerUnreachableError (the caller takes over).
 */
@Injectable()
export class PeerNodeClient {
  constructor(@Inject(CLUSTER_MODULE_OPTIONS) private readonly options: ClusterModuleOptions) {}

  async open(url: string, camera: string, start: number, end: number, requester?: string, options?: OpenOptions): Promise<RoutedSession> {
    const response = await this.send(`${url}/${INTERNAL_PREFIX}/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // (The speed and the H.264 hand-off only when there is one: a node not yet upgraded refuses fields it does not know.)
      body: JSON.stringify({
        camera,
        start,
        end,
        requester,
        waitForFirstSegment: options?.waitForFirstSegment ?? true,
        ...(options?.speed && options.speed !== 1 ? { speed: options.speed } : {}),
        ...(options?.handOffH264 ? { handOffH264: true } : {}),
      }),
    });
    return (await response.json()) as RoutedSession;
  }

  /** A file of a session another node runs; aborting `signal` (the viewer went away) closes the request to it. */
  async streamFile(url: string, sessionId: string, fileName: string, segmentQuery?: string, signal?: AbortSignal): Promise<StreamFile> {
    const query = segmentQuery ? `?segmentQuery=${encodeURIComponent(segmentQuery)}` : '';
    const response = await this.send(`${url}/${INTERNAL_PREFIX}/sessions/${sessionId}/${fileName}${query}`, { method: 'GET', signal });
    if (isPlaylistFileName(fileName)) return { kind: 'playlist', text: await response.text() };
    const length = Number(response.headers.get('content-length'));
    return {
      kind: 'segment',
      stream: Readable.fromWeb(response.body as unknown as WebReadableStream),
      length: Number.isFinite(length) && length > 0 ? length : undefined,
    };
  }

  async remove(url: string, sessionId: string): Promise<void> {
    await (await this.send(`${url}/${INTERNAL_PREFIX}/sessions/${sessionId}`, { method: 'DELETE' })).arrayBuffer();
  }

  async list(url: string): Promise<RoutedSessionSummary[]> {
    return (await (await this.send(`${url}/${INTERNAL_PREFIX}/sessions`, { method: 'GET' })).json()) as RoutedSessionSummary[];
  }

  /** One request to a peer; a connection that broke without the peer being down is tried once more. */
  private async send(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.sendOnce(url, init);
    } catch (error) {
      if (!(error instanceof PeerUnreachableError) || error.down) throw error;
      return this.sendOnce(url, init);
    }
  }

  private async sendOnce(url: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        // Signed, never the key itself: a captured request can be neither replayed nor altered.
        headers: {
          ...(init.headers as Record<string, string>),
          ...signClusterRequest(this.options.clusterKey ?? '', {
            method: init.method ?? 'GET',
            path: new URL(url).pathname + new URL(url).search,
            body: typeof init.body === 'string' ? init.body : '',
            // The peer's NODE_URL, as it wrote it in the registry: a copy sent to any other node is refused there.
            node: clusterNodeOf(url),
          }),
        },
        signal: init.signal
          ? AbortSignal.any([init.signal, AbortSignal.timeout(this.options.requestTimeoutSeconds * 1000)])
          : AbortSignal.timeout(this.options.requestTimeoutSeconds * 1000),
        redirect: 'error',
      });
    } catch (error) {
      if (init.signal?.aborted) throw new RequestWithdrawnException();
      if ((error as Error).name === 'TimeoutError') {
        throw new HttpException({ success: false, message: 'The node that runs this session did not answer in time' }, HttpStatus.GATEWAY_TIMEOUT);
      }
      const code = (error as { cause?: { code?: string } }).cause?.code;
      // The URL without its query: a segment's query carries the viewer's stream token, and this message is logged.
      throw new PeerUnreachableError(`${withoutQuery(url)}: ${code ?? (error as Error).message}`, !!code && DOWN_CODES.has(code));
    }
    if (!response.ok) {
      const body = (await response
        .json()
        .catch(() => ({ success: false, message: `The node that runs this session answered HTTP ${response.status}` }))) as Record<string, unknown>;
      const retryAfter = response.headers.get('retry-after');
      throw Object.assign(new HttpException(body, response.status), retryAfter ? { responseHeaders: { 'Retry-After': retryAfter } } : {});
    }
    return response;
  }
}

function withoutQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : url.slice(0, at);
}
