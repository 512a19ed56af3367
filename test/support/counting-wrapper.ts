/**
 * A stand-in FFMPEG_PATH or FFPROBE_PATH that counts the processes the service runs at once:
 * each start leaves its pid under `dir/<kind>/`, notes how many of its kind are alive then, and
 * execs the real binary (in the same process: the pid lives exactly as long as the ffmpeg).
 * Kinds: `slots` (encoder runs and export muxes, under MAX_FFMPEG_PROCESSES) and `pool` (ffprobe
 * and `ffmpeg -version`, the auxiliary pool). The child gets none of the service's environment,
 * so the folder is written into the script.
 */
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type ProcessKind = 'slots' | 'pool';

/** Writes the wrapper of `real` (ffmpeg or ffprobe) into `dir`; returns its path. */
export async function writeCountingWrapper(dir: string, real: 'ffmpeg' | 'ffprobe'): Promise<string> {
  const path = join(dir, `counting-${real}`);
  const script = `#!/bin/sh
kind=${real === 'ffprobe' ? 'pool' : 'slots'}
case " $* " in
  *" -version "*) kind=pool ;;
esac
mkdir -p "${dir}/$kind"
: > "${dir}/$kind/$$"
alive=0
for marker in "${dir}/$kind"/*; do
  kill -0 "\${marker##*/}" 2>/dev/null && alive=$((alive + 1))
done
echo "$alive" >> "${dir}/$kind.log"
exec ${real} "$@"
`;
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

/** How many processes of a kind were started, and the most alive at once (counted at each start). */
export async function processCounts(dir: string, kind: ProcessKind): Promise<{ started: number; most: number }> {
  const counts = (await readFile(join(dir, `${kind}.log`), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);
  return { started: counts.length, most: Math.max(0, ...counts) };
}
