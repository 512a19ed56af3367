import { Clock } from '../clock';
import { TranscodeModuleOptions } from '../transcode.module-definition';
import { FfmpegProcessSlots, SlotHolder } from './ffmpeg-process-slots';

const clock = { now: () => 100_000 } as Clock;
const slotsOf = (limit: number) => new FfmpegProcessSlots({ maxConcurrentTranscodes: 1, maxFfmpegProcesses: limit } as TranscodeModuleOptions, clock);

/** A holder whose run is needed (never preempted) or paused (preempted first); it records a preemption. */
function holder(fields: { needed?: boolean; paused?: boolean; owner?: string } = {}): SlotHolder & { wasPreempted: boolean } {
  const value = {
    wasPreempted: false,
    view: () => ({ needed: fields.needed ?? true, paused: fields.paused ?? false, wantedAt: 99_000, aheadSegments: 10, owner: fields.owner }),
    preempt: () => {
      value.wasPreempted = true;
    },
  };
  return value;
}

describe('FfmpegProcessSlots', () => {
  it('grants slots up to the limit at once', async () => {
    const slots = slotsOf(2);
    await expect(slots.acquire('a', holder())).resolves.toBe(true);
    await expect(slots.acquire('b', holder())).resolves.toBe(true);
    expect(slots.inUse).toBe(2);
  });

  it('refuses when every holder is needed, and grants again once one is released', async () => {
    const slots = slotsOf(1);
    await slots.acquire('a', holder());
    await expect(slots.acquire('b', holder())).resolves.toBe(false);
    slots.release('a');
    await expect(slots.acquire('b', holder())).resolves.toBe(true);
  });

  it('preempts a paused run and hands its slot over only once its process has exited', async () => {
    const slots = slotsOf(1);
    const paused = holder({ needed: false, paused: true });
    await slots.acquire('a', paused);
    let granted: boolean | null = null;
    const waiting = slots.acquire('b', holder()).then((value) => (granted = value));
    await Promise.resolve();
    expect(paused.wasPreempted).toBe(true);
    expect(granted).toBeNull();
    // Another run asking meanwhile finds the slot promised, not free.
    await expect(slots.acquire('c', holder())).resolves.toBe(false);
    slots.release('a');
    await waiting;
    expect(granted).toBe(true);
    expect(slots.inUse).toBe(1);
  });

  it('never counts a release twice', () => {
    const slots = slotsOf(1);
    slots.release('nobody');
    expect(slots.inUse).toBe(0);
  });

  it('gives a user under their share the slot of a needed run of the user over theirs, and that user nothing more', async () => {
    const slots = slotsOf(4);
    const runs = [1, 2, 3, 4].map(() => holder({ owner: 'user:a' }));
    for (const [i, run] of runs.entries()) await slots.acquire(`a${i}`, run);
    // One user alone used every slot.
    expect(slots.inUse).toBe(4);
    const granted = slots.acquire('b0', holder({ owner: 'user:b' }));
    await Promise.resolve();
    expect(runs.filter((run) => run.wasPreempted)).toHaveLength(1);
    slots.release(`a${runs.findIndex((run) => run.wasPreempted)}`);
    await expect(granted).resolves.toBe(true);
    // Three of four: still over the share of two, so nothing someone needs is theirs to take.
    await expect(slots.acquire('a9', holder({ owner: 'user:a' }))).resolves.toBe(false);
    expect(runs.filter((run) => run.wasPreempted)).toHaveLength(1);
  });
});
