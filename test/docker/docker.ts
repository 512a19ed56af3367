/** What the docker specs share: the docker CLI, the image under test, and a token the containers take. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sign } from 'jsonwebtoken';

export const run = promisify(execFile);

/** The image scripts/test-docker.sh builds (NVR_IMAGE: another one, e.g. an older build to compare). */
export const IMAGE = process.env.NVR_IMAGE ?? 'nvr-transcoder:test';

/** The JWT_SECRET the containers are given, and an admin's request headers signed with it. */
export const SECRET = 'docker-test-secret-0123456789abcdef0123';
const token = sign({ sub: 'admin', role: 'admin', exp: Math.floor(Date.now() / 1000) + 3600 }, Buffer.from(SECRET), { algorithm: 'HS256' });
export const adminAuth: RequestInit = { headers: { Authorization: `Bearer ${token}` } };

/** `docker …`, its standard output trimmed. */
export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 * 1024 * 1024 })).stdout.trim();
}

/**
 * Builds `tag` from a one-file Dockerfile (the legacy builder, on the host's network: no bridge
 * network exists here), unless an image of that tag is there and `rebuild` is false.
 */
export async function buildImage(tag: string, dockerfile: string, { rebuild = false } = {}): Promise<void> {
  if (
    !rebuild &&
    (await docker('image', 'inspect', tag).then(
      () => true,
      () => false,
    ))
  )
    return;
  const context = await mkdtemp(join(tmpdir(), 'nvr-docker-build-'));
  try {
    await writeFile(join(context, 'Dockerfile'), dockerfile);
    await run('docker', ['build', '--network', 'host', '-q', '-t', tag, context], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

/** Whether the app user (node) can write into `dir` of a running container: tried from inside it, not read off the image. */
export async function writesAsNode(container: string, dir: string): Promise<boolean> {
  const probe = `const f=${JSON.stringify(`${dir}/.probe`)}; require('fs').writeFileSync(f,'x'); require('fs').unlinkSync(f); console.log('written')`;
  return (await docker('exec', '-u', 'node', container, 'node', '-e', probe).catch(() => '')) === 'written';
}
