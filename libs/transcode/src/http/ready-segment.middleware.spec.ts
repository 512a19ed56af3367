import type { NextFunction, Request, Response } from 'express';
import type { AuthModuleOptions, StreamTokenService } from '@app/auth';
import { ReadySegmentMiddleware } from './ready-segment.middleware';
import type { SessionFilesStore } from '../storage/session-files.store';
import type { SegmentAccess } from '../sessions/segment-access.service';

const ID = 'a'.repeat(32);
const OTHER = 'b'.repeat(32);
const BYTES = Buffer.from('segment bytes');

/** A session of this node with segment 3 finished; tokens are `good` (this session, its camera) or anything else. */
function setup({ disabled = false, ready = true, readable = true } = {}) {
  const segments = {
    cameraOf: (id: string) => (id === ID ? 'front' : undefined),
    readySegment: (_id: string, index: number) => (ready && index === 3 ? { fileName: 'r1_00003.ts', size: BYTES.length } : undefined),
  } as unknown as SegmentAccess;
  const tokens = {
    verify: (token: string) => (token === 'good' ? { sessionId: ID, camera: 'front' } : token === 'other-camera' ? { sessionId: ID, camera: 'back' } : null),
  } as unknown as StreamTokenService;
  const files = { readWhole: async () => (readable ? BYTES : null) } as unknown as SessionFilesStore;
  return new ReadySegmentMiddleware({ disabled } as AuthModuleOptions, tokens, segments, files);
}

/** Runs the middleware; resolves with what it did: 'next', or the status and body it sent. */
function run(middleware: ReadySegmentMiddleware, path: string, query: Record<string, string> = {}, method = 'GET') {
  return new Promise<string | { status: number; headers: Record<string, unknown>; body: Buffer }>((resolve) => {
    const request = { method, path, query } as unknown as Request;
    let status = 0;
    let headers: Record<string, unknown> = {};
    const response = {
      writeHead: (code: number, values: Record<string, unknown>) => ((status = code), (headers = values)),
      end: (body: Buffer) => resolve({ status, headers, body }),
    } as unknown as Response;
    middleware.use(request, response, (() => resolve('next')) as NextFunction);
  });
}

const segment = (id = ID, index = 3) => `/stream/transcode/${id}/seg_${String(index).padStart(5, '0')}.ts`;

describe('ReadySegmentMiddleware (the fast path of a ready segment)', () => {
  it('sends a ready segment of this node with its stream token, in one piece, with its length', async () => {
    const sent = await run(setup(), segment(), { token: 'good' });
    expect(sent).toEqual({
      status: 200,
      headers: { 'Content-Type': 'video/mp2t', 'Content-Length': BYTES.length, 'Cache-Control': 'private, no-cache' },
      body: BYTES,
    });
  });

  it('sends it with auth off, without a token', async () => {
    expect(await run(setup({ disabled: true }), segment())).toMatchObject({ status: 200 });
  });

  it.each<[string, ReturnType<typeof setup>, string, Record<string, string>, string]>([
    ['no token (a login token takes the guarded route)', setup(), segment(), {}, 'GET'],
    ['an invalid token', setup(), segment(), { token: 'forged' }, 'GET'],
    ["a token of this session but another camera's", setup(), segment(), { token: 'other-camera' }, 'GET'],
    ['a session of another node', setup(), segment(OTHER), { token: 'good' }, 'GET'],
    ['a segment not made yet', setup({ ready: false }), segment(), { token: 'good' }, 'GET'],
    ['a segment whose file went meanwhile', setup({ readable: false }), segment(), { token: 'good' }, 'GET'],
    ['the playlist', setup(), `/stream/transcode/${ID}/master.m3u8`, { token: 'good' }, 'GET'],
    ['a POST', setup(), segment(), { token: 'good' }, 'POST'],
  ])('leaves everything else to the guarded route: %s', async (_name, middleware, path, query, method) => {
    expect(await run(middleware, path, query, method)).toBe('next');
  });
});
