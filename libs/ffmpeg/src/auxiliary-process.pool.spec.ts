import { AuxiliaryPoolBusyError, AuxiliaryProcessPool } from './auxiliary-process.pool';

/** A piece of work that runs until the test ends it. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('AuxiliaryProcessPool', () => {
  it('runs at most `running` at once, and the rest in the order they came', async () => {
    const pool = new AuxiliaryProcessPool({ running: 2, waiting: 10, maxWaitMs: 60_000 });
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let most = 0;
    const done = gates.map((g, i) =>
      pool.run(async () => {
        started.push(i);
        most = Math.max(most, pool.running);
        await g.opened;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    // Finishing out of order: the line still moves first come, first served.
    gates[1].open();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0].open();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const g of gates) g.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(2);
    expect(pool.running).toBe(0);
  });

  it('refuses at once when its line is full, and frees the place of work that failed', async () => {
    const pool = new AuxiliaryProcessPool({ running: 1, waiting: 1, maxWaitMs: 60_000 });
    const g = gate();
    const running = pool.run(() => g.opened);
    const waiting = pool.run(() => Promise.reject(new Error('probe failed')));
    await expect(pool.run(async () => 'never')).rejects.toBeInstanceOf(AuxiliaryPoolBusyError);
    g.open();
    await running;
    await expect(waiting).rejects.toThrow('probe failed');
    await expect(pool.run(async () => 'ran')).resolves.toBe('ran');
  });

  it('gives up on a turn that does not come within maxWaitMs, and the line goes on without it', async () => {
    jest.useFakeTimers();
    try {
      const pool = new AuxiliaryProcessPool({ running: 1, waiting: 5, maxWaitMs: 1000 });
      const g = gate();
      const running = pool.run(() => g.opened);
      const late = pool.run(async () => 'late');
      const refused = expect(late).rejects.toMatchObject({ code: 'AUXILIARY_POOL_BUSY' });
      jest.advanceTimersByTime(1001);
      await refused;
      const next = pool.run(async () => 'next');
      g.open();
      await running;
      await expect(next).resolves.toBe('next');
    } finally {
      jest.useRealTimers();
    }
  });
});
