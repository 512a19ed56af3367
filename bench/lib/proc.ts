/** Linux /proc readings for the benchmark: CPU time of a process (and of its reaped children). */
import { readFileSync, readdirSync } from 'node:fs';

const CLOCK_TICKS = 100;

/** CPU seconds of a process, including the children it has reaped (utime+stime+cutime+cstime). */
export function cpuSecondsWithChildren(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // After "pid (comm) ", field 3 is state; utime, stime, cutime, cstime are fields 14-17.
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (utime + stime + cutime + cstime) / CLOCK_TICKS;
}

/** CPU seconds of a process itself (utime+stime); null when it is gone. */
export function cpuSeconds(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** The pids of a process's living (or not yet reaped) children. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After "pid (comm) ": the state, then the parent's pid.
      if (Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === pid) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}
