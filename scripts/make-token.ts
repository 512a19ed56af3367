/**
 * `npm run token -- --role admin [--sub name] [--ttl 1h] [--cameras a,b]`: prints a login token
 * signed with the configured secret (JWT_SECRET, or the one generated into DATA_DIR), exactly
 * as Frigate signs its own: HS256 with claims sub, role, exp and iat.
 */
import { sign } from 'jsonwebtoken';
import { parseArgs } from 'node:util';
import { authConfig } from '../libs/auth/src/auth.config';

const USAGE = 'usage: npm run token -- --role <role[,role]> [--sub <name>] [--ttl <30m|1h|7d|3600>] [--cameras <a,b>]';

/** "90", "90s", "30m", "1h", "7d" → seconds. */
export function parseTtl(text: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new Error(`--ttl must look like 3600, 30m, 1h or 7d (got ${JSON.stringify(text)})`);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string', default: 'nvr-transcoder-cli' },
      ttl: { type: 'string', default: '1h' },
      cameras: { type: 'string' },
    },
  });
  if (!values.role) throw new Error(USAGE);
  const settings = authConfig();
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: values.sub, role: values.role, exp: now + parseTtl(values.ttl!) };
  if (values.cameras)
    claims.cameras = values.cameras
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
  // The secret's UTF-8 bytes are the key, as in Frigate.
  process.stdout.write(`${sign(claims, Buffer.from(settings.jwtSecret, 'utf8'), { algorithm: 'HS256' })}\n`);
}

try {
  main();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
}
