import { readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { firstValueFrom, toArray } from 'rxjs';
import { ENCODER_NICENESS, FfmpegProcessSupervisor } from './ffmpeg-process.supervisor';

/** The supervisor is exercised with real (tiny) processes: what it promises is about processes. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function processState(pid: number): string {
  // Field 3 of /proc/<pid>/stat: R running, S sleeping, T stopped, Z zombie.
  return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('FfmpegProcessSupervisor', () => {
  const supervisor = new FfmpegProcessSupervisor();

  afterEach(async () => supervisor.stopAll(100));

  it('delivers stdout and extra-pipe output as lines, before the exit', async () => {
    const child = supervisor.spawn('sh', ['-c', 'echo one; echo two; echo three >&3'], { outputFds: [1, 3] });
    const stdout = firstValueFrom(child.lines(1).pipe(toArray()));
    const fd3 = firstValueFrom(child.lines(3).pipe(toArray()));
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    expect(await stdout).toEqual(['one', 'two']);
    expect(await fd3).toEqual(['three']);
  });

  it('drains stderr into a bounded tail so a chatty child neither blocks nor grows memory', async () => {
    const child = supervisor.spawn('sh', ['-c', 'i=0; while [ $i -lt 5000 ]; do echo "line $i" >&2; i=$((i+1)); done']);
    const exit = await child.exited;
    expect(exit.code).toBe(0);
    expect(exit.stderrTail).toHaveLength(40);
    expect(exit.stderrTail.at(-1)).toBe('line 4999');
  });

  it('runs children at low priority', async () => {
    const child = supervisor.spawn('sleep', ['5']);
    expect(getPriority(child.pid!)).toBe(ENCODER_NICENESS);
  });

  it('changes the niceness of every thread of a running child', async () => {
    // node starts several threads of its own at once: a fair stand-in for ffmpeg's workers.
    const child = supervisor.spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    // Once node has started all its threads (a thread started meanwhile by one not yet reniced
    // would keep the old niceness: that is the kernel's rule, not the supervisor's).
    let seen = 0;
    let sameFor = 0;
    await until(() => {
      const count = readdirSync(`/proc/${child.pid}/task`).length;
      sameFor = count === seen ? sameFor + 1 : 0;
      seen = count;
      // The same thread count for 10 polls (200 ms) in a row.
      return count > 1 && sameFor >= 10;
    });
    child.setNiceness(19);
    const tids = readdirSync(`/proc/${child.pid}/task`).map(Number);
    expect(tids.length).toBeGreaterThan(1);
    for (const tid of tids) expect(getPriority(tid)).toBe(19);
    expect(child.niceness).toBe(19);
  });

  it('puts each child in its own process group, so stop() also ends what it forked', async () => {
    const child = supervisor.spawn('sh', ['-c', 'sleep 60 & echo $!; wait'], { outputFds: [1] });
    const grandchild = Number(await firstValueFrom(child.lines(1)));
    expect(alive(grandchild)).toBe(true);
    await child.stop(1000);
    await until(() => !alive(grandchild) || processState(grandchild) === 'Z');
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const child = supervisor.spawn('sh', ['-c', 'trap "" TERM; echo ready; while :; do sleep 1; done'], { outputFds: [1] });
    await firstValueFrom(child.lines(1));
    const exit = await child.stop(200);
    expect(exit.signal).toBe('SIGKILL');
  });

  it('pauses with SIGSTOP and resumes with SIGCONT; a paused child can still be stopped', async () => {
    const child = supervisor.spawn('sleep', ['60']);
    const pid = child.pid!;
    child.pause();
    await until(() => processState(pid) === 'T');
    expect(child.isPaused).toBe(true);
    child.resume();
    await until(() => processState(pid) !== 'T');
    child.pause();
    await until(() => processState(pid) === 'T');
    const exit = await child.stop(2000);
    expect(exit.signal).toBe('SIGTERM');
  });

  it('reports a command that cannot start as an exit with a spawn error, without throwing', async () => {
    const child = supervisor.spawn('/nonexistent/ffmpeg', ['-version']);
    const exit = await child.exited;
    expect(exit.spawnError).toMatch(/ENOENT/);
    expect(child.running).toBe(false);
  });

  it('tracks live children until they exit, and stopAll() stops them all', async () => {
    const a = supervisor.spawn('sleep', ['60']);
    const b = supervisor.spawn('sleep', ['60']);
    expect(supervisor.liveProcesses()).toEqual(expect.arrayContaining([a, b]));
    await supervisor.onApplicationShutdown();
    expect(supervisor.liveProcesses()).toEqual([]);
    expect(alive(a.pid!)).toBe(false);
    expect(alive(b.pid!)).toBe(false);
  });

  it('run() collects stdout and stops a command that outlives its timeout', async () => {
    const quick = await supervisor.run('sh', ['-c', 'echo 3.5'], 5000);
    expect(quick).toMatchObject({ code: 0, stdout: ['3.5'] });
    const slow = await supervisor.run('sleep', ['60'], 100);
    expect(slow.signal).toBe('SIGTERM');
  });

  it('run() takes turns in the auxiliary pool: never more than two of its commands at once', async () => {
    let most = 0;
    const sampler = setInterval(() => (most = Math.max(most, supervisor.liveProcesses().length)), 5);
    const exits = await Promise.all(Array.from({ length: 5 }, () => supervisor.run('sleep', ['0.2'], 5000)));
    clearInterval(sampler);
    expect(exits.map((exit) => exit.code)).toEqual([0, 0, 0, 0, 0]);
    expect(most).toBe(2);
  });

  it('gives a child spawned with stdin a pipe to write to, and a write after its exit does not throw', async () => {
    const child = supervisor.spawn('sh', ['-c', 'wc -c'], { outputFds: [1], stdin: true });
    const count = firstValueFrom(child.lines(1));
    child.stdin!.end(Buffer.alloc(1000));
    expect((await count).trim()).toBe('1000');
    await child.exited;
    const gone = supervisor.spawn('true', [], { stdin: true });
    await gone.exited;
    await new Promise<void>((resolve) => gone.stdin!.write(Buffer.alloc(1 << 20), () => resolve()));
  });
});
