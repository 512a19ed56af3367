import { Clock } from '../clock';
import { TranscodeModuleOptions } from '../transcode.module-definition';
import { FfmpegProcessSlots, SlotHolder } from './ffmpeg-process-slots';

const clock = { now: () => 100_000 } as Clock;
const slotsOf = (limit: number) => new FfmpegProcessSlots({ maxConcurrentTranscodes: 1, maxFfmpegProcesses: limit } as TranscodeModuleOptions, clock);

/** A holder whose run is needed (never preempted) or paused (preempted first); it records a preemption. */
function holder(fields: { needed?: boolean; paused?: boolean } = {}): SlotHolder & { wasPreempted: boolean } {
  const value = {
    wasPreempted: false,
    view: () => ({ needed: fields.needed ?? true, paused: fields.paused ?? false, wantedAt: 99_000, aheadSegments: 10 }),
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
});
