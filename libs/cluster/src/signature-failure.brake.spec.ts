import { SignatureBrakeLimits, SignatureFailureBrake } from './signature-failure.brake';

const LIMITS: SignatureBrakeLimits = { freeFailures: 3, firstPauseMs: 1000, maxPauseMs: 8000, forgetAfterMs: 60_000, maxAddresses: 3 };

/** Sends `count` wrong signatures from `address` at `now`; returns the pause after each. */
function fail(brake: SignatureFailureBrake, address: string, count: number, now: number): number[] {
  return Array.from({ length: count }, () => {
    brake.noteFailure(address, now);
    return brake.pausedFor(address, now);
  });
}

describe('SignatureFailureBrake', () => {
  it.each([
    // failures at once → the pause after each (free ones first, then doubling up to the cap)
    [1, [0]],
    [3, [0, 0, 0]],
    [4, [0, 0, 0, 1000]],
    [6, [0, 0, 0, 1000, 2000, 4000]],
    [9, [0, 0, 0, 1000, 2000, 4000, 8000, 8000, 8000]],
  ])('after %i wrong signatures pauses the address %j', (count, pauses) => {
    expect(fail(new SignatureFailureBrake(LIMITS), '10.0.0.9', count, 0)).toEqual(pauses);
  });

  it('lets the pause run out, and counts on from where it was while the address is remembered', () => {
    const brake = new SignatureFailureBrake(LIMITS);
    fail(brake, 'a', 4, 0);
    expect(brake.pausedFor('a', 999)).toBe(1);
    expect(brake.pausedFor('a', 1000)).toBe(0);
    brake.noteFailure('a', 1000);
    expect(brake.pausedFor('a', 1000)).toBe(2000);
  });

  it('starts an address afresh after forgetAfterMs without a wrong signature', () => {
    const brake = new SignatureFailureBrake(LIMITS);
    fail(brake, 'a', 5, 0);
    expect(fail(brake, 'a', 1, 60_000)).toEqual([0]);
  });

  it('brakes each address on its own', () => {
    const brake = new SignatureFailureBrake(LIMITS);
    fail(brake, 'guesser', 6, 0);
    expect(brake.pausedFor('guesser', 0)).toBeGreaterThan(0);
    expect(brake.pausedFor('peer', 0)).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the one that failed longest ago', () => {
    const brake = new SignatureFailureBrake(LIMITS);
    fail(brake, 'a', 4, 0);
    fail(brake, 'b', 4, 1);
    fail(brake, 'c', 4, 2);
    fail(brake, 'a', 1, 3);
    fail(brake, 'd', 4, 4);
    expect(brake.size).toBe(3);
    expect(brake.pausedFor('b', 4)).toBe(0);
    expect(brake.pausedFor('a', 4)).toBeGreaterThan(0);
  });
});
