/** The machine a benchmark ran on, as its results name it (bench/run.ts writes the same line into latest.json). */
import { execFileSync } from 'node:child_process';

export function describeMachine(): string {
  return `${execFileSync('nproc').toString().trim()} cores, ${execFileSync('ffmpeg', ['-version']).toString().split('\n')[0]}, node ${process.version}`;
}
