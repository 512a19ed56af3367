import { Clock } from '../clock';
import { DiskBudgetService, SessionsOnDisk } from './disk-budget.service';
import { MIN_FREE_BYTES, SessionFilesStore } from './session-files.store';
import { TranscodeEvents } from '../transcode-events';
import { InsufficientStorageException } from '../transcode.exceptions';
import { TranscodeModuleOptions } from '../transcode.module-definition';

const MiB = 1024 * 1024;

/** The budget service with no sessions, a budget of `budgetMiB` and `freeMiB` free on the disk. */
function budgetWith(budgetMiB: number, freeMiB = 10_000) {
  const disk = { free: freeMiB * MiB };
  const sessions: SessionsOnDisk = {
    diskStates: () => [],
    storedBytes: () => 0,
    forgetSegments: () => null,
    evict: async () => false,
    onSegmentStored: () => undefined,
  };
  const files = { freeBytes: async () => disk.free } as unknown as SessionFilesStore;
  const options = { maxDiskBytes: budgetMiB * MiB, segmentDurationSeconds: 2, lookaheadSeconds: 60, idleTimeoutSeconds: 30 } as TranscodeModuleOptions;
  return { service: new DiskBudgetService(options, sessions, files, new TranscodeEvents(), new Clock()), disk };
}

describe('DiskBudgetService reservations', () => {
  it('counts a reservation in the usage from when it is taken until it is released', async () => {
    const { service } = budgetWith(100);
    const reservation = await service.reserve(30 * MiB, 'this export');
    expect(service.usageBytes()).toBe(30 * MiB);
    reservation.release();
    reservation.release();
    expect(service.usageBytes()).toBe(0);
  });

  it('refuses what would pass the high-water mark of the budget with a 507 naming it, and holds nothing then', async () => {
    const { service } = budgetWith(100);
    await service.reserve(50 * MiB, 'this export');
    const refused = await service.reserve(41 * MiB, 'this export').catch((error: Error) => error);
    expect(refused).toBeInstanceOf(InsufficientStorageException);
    expect((refused as InsufficientStorageException).getStatus()).toBe(507);
    expect((refused as InsufficientStorageException).message).toMatch(/^No room for this export: .*TRANSCODE_MAX_DISK_MB=100/);
    expect(service.usageBytes()).toBe(50 * MiB);
  });

  it('refuses what would leave less than the free-space floor, counting room reserved and not written as taken', async () => {
    const { service, disk } = budgetWith(100_000, MIN_FREE_BYTES / MiB + 100);
    const first = await service.reserve(60 * MiB, 'this export');
    await expect(service.reserve(60 * MiB, 'this export')).rejects.toThrow(/less than 256 MiB free/);
    // Once the first has written its bytes (the filesystem has them), they are no longer outstanding.
    disk.free -= 60 * MiB;
    await first.cover(60 * MiB, 60 * MiB);
    await expect(service.reserve(40 * MiB, 'this export')).resolves.toBeDefined();
  });

  it('grows a reservation that was too small up to the budget itself, and past it answers 507', async () => {
    const { service } = budgetWith(100);
    const reservation = await service.reserve(10 * MiB, 'this export');
    await reservation.cover(5 * MiB, 0);
    expect(reservation.bytes).toBe(10 * MiB);
    await reservation.cover(95 * MiB, 9 * MiB);
    expect(reservation.bytes).toBe(95 * MiB);
    expect(service.usageBytes()).toBe(95 * MiB);
    await expect(reservation.cover(101 * MiB, 90 * MiB)).rejects.toBeInstanceOf(InsufficientStorageException);
    expect(reservation.bytes).toBe(95 * MiB);
  });
});
