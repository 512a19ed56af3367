/**
 * Runs the MP4 readers on fuzzed recordings, each case in a child process with bounds, so that
 * a case that blows up is a failure reported with its case, not the end of the runner:
 * - heap: the child's V8 heap is capped (--max-old-space-size); a read that outgrows it ends the
 *   process (the original finding did, in under a second). A worker thread's resourceLimits
 *   would not do: V8 aborts the whole process when one array outgrows a worker's heap in a loop
 *   (nodejs/node#47224), exactly the finding's shape. Array buffers live outside that heap: the
 *   child fails a case whose read leaves them 64 MiB larger.
 * - time: a case has CASE_TIMEOUT_MS (a read takes under a few ms; a quadratic one minutes);
 *   past it the child is killed.
 * After either, a new child takes the next case. One child runs every case otherwise (one costs
 * about half a second to start with its TypeScript loader), one case at a time; it makes each
 * case's bytes itself from the bases, so only the case's JSON crosses.
 */
import { ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import type { UnreadableReason } from '../../libs/recordings/src/unreadable-recording.error';
import { FuzzBase } from './mp4-fuzz-corpus';
import { Mutation, mutationsArbitrary } from './mp4-mutations';

/** A fuzz case: a base recording (its path under test/.fixtures) and what is done to it. */
export interface FuzzCase {
  base: string;
  mutations: Mutation[];
}

export interface FuzzCaseRequest {
  id: number;
  fuzzCase: FuzzCase;
}

/** What came of one case: how the read ended, or why it is a failure. */
export type FuzzCaseAnswer = { id: number; outcome: 'parsed' | 'no-duration' | 'unreadable'; reason?: UnreadableReason } | { id: number; failure: string };
export type FuzzOutcome = Omit<Extract<FuzzCaseAnswer, { outcome: string }>, 'id'> | { failure: string };

/** A case kept because it once failed (or, for the original finding, because it killed the process). */
export interface RegressionCase extends FuzzCase {
  description: string;
  /** fast-check's seed and path of the run that found it, to reproduce that run. */
  seed?: number;
  path?: string;
  /** What it must come to now, when that is known. */
  expect?: { outcome: 'parsed' | 'no-duration' | 'unreadable'; reason?: UnreadableReason };
}

export const REGRESSIONS_DIR = join(__dirname, '..', 'mp4-fuzz-regressions');
const CASE_TIMEOUT_MS = 5_000;
/** The child's V8 heap: the readers need a few MB a case, the bases about 10. */
const HEAP_MB = 128;
/** Lines of the child's stderr kept for a failure's message (V8's own words when it runs out of heap). */
const STDERR_LINES = 5;

export class Mp4FuzzHarness {
  private child: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 0;
  private settle: ((answer: FuzzCaseAnswer) => void) | null = null;
  private stderr: string[] = [];
  /** Children started after one was lost (out of memory, out of time, crashed). */
  restarts = 0;

  /** Reads `fuzzCase` in the child, within the case's bounds. */
  async run(fuzzCase: FuzzCase): Promise<FuzzOutcome> {
    await this.start();
    const id = (this.nextId += 1);
    const answer = await new Promise<FuzzCaseAnswer>((resolve) => {
      const timer = setTimeout(() => this.lose(`took longer than ${CASE_TIMEOUT_MS} ms`), CASE_TIMEOUT_MS);
      this.settle = (a) => {
        clearTimeout(timer);
        this.settle = null;
        resolve(a);
      };
      this.child!.send({ id, fuzzCase } satisfies FuzzCaseRequest);
    });
    const { id: _id, ...outcome } = answer;
    return outcome;
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = null;
    this.ready = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    // The child is TypeScript: tsx's require hook loads it, as `npm run fuzz` itself is run.
    const child = fork(join(__dirname, 'mp4-fuzz-child.ts'), [], {
      execArgv: ['--require', require.resolve('tsx/cjs'), `--max-old-space-size=${HEAP_MB}`],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    this.stderr = [];
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = [...this.stderr, ...chunk.toString().split('\n').filter(Boolean)].slice(-STDERR_LINES)));
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (message: FuzzCaseAnswer | 'ready') => {
        if (message === 'ready') resolve();
        else if (this.child === child) this.settle?.(message);
      });
      child.on('exit', (code, signal) => {
        reject(new Error(`the fuzz child exited during start (${signal ?? code}): ${this.stderr.join(' | ')}`));
        if (this.child === child) this.lose(`ended the child process (${signal ?? `exit code ${code}`}): ${this.stderr.join(' | ')}`);
      });
    });
    return this.ready;
  }

  /** The running case failed by ending its child (or running out of time): the next case gets a new one. */
  private lose(failure: string): void {
    const child = this.child;
    this.child = null;
    this.ready = null;
    this.restarts += 1;
    child?.kill('SIGKILL');
    this.settle?.({ id: -1, failure });
  }
}

/** Cases over `bases`: a base, and mutations aimed at its boxes. */
export function fuzzCaseArbitrary(bases: readonly FuzzBase[]): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...bases).chain((base) => mutationsArbitrary(base.boxes).map((mutations) => ({ base: base.name, mutations })));
}

export interface FuzzReport {
  /** Cases read, shrinking's included. */
  cases: number;
  /** How they ended: parsed, no-duration, unreadable:<reason>, failed. */
  outcomes: Record<string, number>;
  /** Each failure found, shrunk to its smallest case by fast-check. */
  failures: (RegressionCase & { failure: string })[];
  seconds: number;
}

/**
 * Runs `runs` generated cases through the harness. A failure is shrunk, reported to
 * `onFailure`, and the run goes on from the next seed until `runs` cases were generated.
 */
export async function fuzzReaders(
  harness: Mp4FuzzHarness,
  bases: readonly FuzzBase[],
  { runs, seed, onFailure }: { runs: number; seed: number; onFailure?: (failure: RegressionCase & { failure: string }) => Promise<void> | void },
): Promise<FuzzReport> {
  const started = performance.now();
  const report: FuzzReport = { cases: 0, outcomes: {}, failures: [], seconds: 0 };
  const property = fc.asyncProperty(fuzzCaseArbitrary(bases), async (fuzzCase) => {
    const outcome = await harness.run(fuzzCase);
    report.cases += 1;
    const key = 'failure' in outcome ? 'failed' : outcome.outcome === 'unreadable' ? `unreadable:${outcome.reason}` : outcome.outcome;
    report.outcomes[key] = (report.outcomes[key] ?? 0) + 1;
    return !('failure' in outcome);
  });
  let generated = 0;
  for (let round = 0; generated < runs; round += 1) {
    const details = await fc.check(property, { numRuns: runs - generated, seed: seed + round });
    generated += details.numRuns;
    if (!details.failed) continue;
    if (!details.counterexample) throw details.errorInstance ?? new Error(`fast-check stopped the run of seed ${seed + round}`);
    const [fuzzCase] = details.counterexample;
    // Read once more: the failure of the shrunk case itself, in words.
    const outcome = await harness.run(fuzzCase);
    const failure = {
      description: `found by the fuzz run of seed ${seed + round}`,
      ...fuzzCase,
      seed: details.seed,
      ...(details.counterexamplePath ? { path: details.counterexamplePath } : {}),
      failure: 'failure' in outcome ? outcome.failure : `(passed when read again: ${JSON.stringify(outcome)})`,
    };
    report.failures.push(failure);
    await onFailure?.(failure);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

/** The regression cases kept in test/mp4-fuzz-regressions, by file name. */
export function loadRegressions(): { file: string; regression: RegressionCase }[] {
  return readdirSync(REGRESSIONS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, regression: JSON.parse(readFileSync(join(REGRESSIONS_DIR, file), 'utf8')) as RegressionCase }));
}

/** Keeps a failing case as a regression file (named after its content); its path. */
export async function saveRegression(regression: RegressionCase): Promise<string> {
  const stem = regression.base
    .split('/')
    .slice(-2)
    .join('-')
    .replace(/\.mp4$/, '');
  const hash = createHash('sha256').update(JSON.stringify(regression.mutations)).digest('hex').slice(0, 10);
  const path = join(REGRESSIONS_DIR, `${stem}-${hash}.json`);
  await writeFile(path, `${JSON.stringify(regression, null, 2)}\n`);
  return path;
}
