import { LookupSlots, TooManyRecordingsLookupsException } from './lookup-slots';

const LIMITS = { perRequester: 2, total: 4, queuedPerRequester: 2, queuedTotal: 3, maxWaitMs: 200 };
const settled = async <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ ok: value }),
    (error: unknown) => ({ error }),
  );
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('LookupSlots', () => {
  it('runs two of a user at once, lines up two more (each runs as a slot frees), and refuses the fifth at once', async () => {
    const slots = new LookupSlots(LIMITS);
    const running = [await slots.acquire('user:a'), await slots.acquire('user:a')];
    const lined = [slots.acquire('user:a'), slots.acquire('user:a')];
    const refused = await settled(slots.acquire('user:a'));
    expect(refused).toEqual({ error: expect.any(TooManyRecordingsLookupsException) });
    expect(((refused as { error: TooManyRecordingsLookupsException }).error.getResponse() as { message: string }).message).toMatch(
      /at most 2 at once per user/,
    );
    // Someone else runs meanwhile: the line is per user.
    const other = await slots.acquire('user:b');
    running[0]();
    const third = await lined[0];
    running[1]();
    const fourth = await lined[1];
    for (const release of [third, fourth, other]) release();
  });

  it('holds everyone to the total: a user under their own cap waits while four run', async () => {
    const slots = new LookupSlots(LIMITS);
    const running = await Promise.all(['user:a', 'user:a', 'user:b', 'user:b'].map((user) => slots.acquire(user)));
    let granted = false;
    const waiting = slots.acquire('user:c').then((release) => ((granted = true), release));
    await tick();
    expect(granted).toBe(false);
    running[2]();
    (await waiting)();
    for (const release of running) release();
  });

  it('refuses a lookup that waited past its longest wait, and forgets it in line', async () => {
    const slots = new LookupSlots(LIMITS);
    const running = [await slots.acquire('user:a'), await slots.acquire('user:a')];
    const started = Date.now();
    expect(await settled(slots.acquire('user:a'))).toEqual({ error: expect.any(TooManyRecordingsLookupsException) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    running[0]();
    // The timed-out waiter took nothing: a new lookup runs at once.
    await slots.acquire('user:a');
  });

  it('holds callers known by address by the total only (behind a proxy they share one), and the line in all', async () => {
    const slots = new LookupSlots(LIMITS);
    const running = await Promise.all(Array.from({ length: 4 }, () => slots.acquire('ip:10.0.0.1')));
    const lined = [0, 1, 2].map(() => slots.acquire('ip:10.0.0.1'));
    expect(await settled(slots.acquire('ip:10.0.0.1'))).toEqual({ error: expect.any(TooManyRecordingsLookupsException) });
    for (const release of running) release();
    for (const release of await Promise.all(lined)) release();
  });

  it('frees a slot once however often its release is called', async () => {
    const slots = new LookupSlots({ ...LIMITS, perRequester: 1, total: 1 });
    const release = await slots.acquire('user:a');
    release();
    release();
    const again = await slots.acquire('user:a');
    let second = false;
    void slots.acquire('user:b').then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    again();
  });
});
