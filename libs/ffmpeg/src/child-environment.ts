import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * What a child process may see of this service's environment: what finding programs, locale
 * and time need, and what GPU drivers read. Nothing else: the service's secrets (JWT_SECRET,
 * CLUSTER_SECRET, a Redis URL with its password) never reach ffmpeg, a codec library or a
 * driver.
 */
const KEPT_NAMES = new Set(['PATH', 'HOME', 'LANG', 'LANGUAGE', 'TZ', 'TMPDIR', 'LD_LIBRARY_PATH', 'DRI_PRIME']);
const KEPT_PREFIXES = ['LC_', 'LIBVA_', 'VDPAU_', 'CUDA_', 'NVIDIA_', 'MFX_', 'ONEVPL_', 'INTEL_', 'AMD_', 'RADV_', 'MESA_'];

/** Pure: the environment a child process gets. */
export function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (KEPT_NAMES.has(name) || KEPT_PREFIXES.some((prefix) => name.startsWith(prefix))) kept[name] = value;
  }
  return kept;
}

/** util-linux's setpriv, which every Debian has: it gives a child a parent-death signal. */
const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that starts `command` so that it dies with this service even when the
 * service is killed outright (SIGKILL, the OOM killer): `setpriv --pdeathsig KILL` sets the
 * kernel's parent-death signal and then execs the command in the same process (same pid,
 * same command line once running). Without setpriv, the command as it is (the next start's
 * cleanup still stops what is left); so too for a command that cannot be run, whose spawn
 * error (ENOENT) then says so, as it would without setpriv in between.
 */
export function withParentDeathSignal(
  command: string,
  args: readonly string[],
  setprivPath: string | null = existsSync(SETPRIV) ? SETPRIV : null,
  runnable: (command: string) => boolean = isRunnable,
): [string, string[]] {
  if (!setprivPath || !runnable(command)) return [command, [...args]];
  return [setprivPath, ['--pdeathsig', 'KILL', '--', command, ...args]];
}

/** Whether `command` (a path, or a name looked up in PATH) is an executable file. */
function isRunnable(command: string): boolean {
  const candidates = command.includes('/')
    ? [command]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, command));
  return candidates.some((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
