/**
 * The fuzz tests' child process (started by mp4-fuzz-harness.ts with a capped heap): makes each
 * case it is sent from its base recording, reads it with the in-process MP4 readers from
 * memory, and answers what came of it. A read that throws anything but UnreadableRecordingError,
 * or answers what no recording can be, is a failure; one that outgrows the heap ends the
 * process, which the harness sees.
 */
import { getHeapStatistics } from 'node:v8';
import { Mp4Info, readMp4InfoFrom } from '../../libs/recordings/src/mp4-header.reader';
import { MAX_RECORDING_SECONDS, MAX_SAMPLES_PER_FILE } from '../../libs/recordings/src/mp4-limits';
import { UNREADABLE_REASONS, UnreadableRecordingError } from '../../libs/recordings/src/unreadable-recording.error';
import { FuzzBase, loadFuzzBases } from './mp4-fuzz-corpus';
import type { FuzzCaseAnswer, FuzzCaseRequest } from './mp4-fuzz-harness';
import { applyMutations } from './mp4-mutations';

/** More external memory (array buffers: moov copies, frame tables) than a read may leave grown. */
const MAX_EXTERNAL_GROWTH_BYTES = 64 * 1024 * 1024;

async function answer({ id, fuzzCase }: FuzzCaseRequest, bases: readonly FuzzBase[]): Promise<FuzzCaseAnswer> {
  const base = bases.find((b) => b.name === fuzzCase.base);
  if (!base) return { id, failure: `no fuzz base named ${fuzzCase.base}` };
  const data = applyMutations(base.bytes, base.boxes, fuzzCase.mutations);
  const externalBefore = getHeapStatistics().external_memory;
  let outcome: FuzzCaseAnswer;
  try {
    const info = await readMp4InfoFrom({ size: data.length, read: async (offset, length) => data.subarray(offset, offset + length) });
    const wrong = info ? whatIsWrongWith(info) : null;
    outcome = wrong ? { id, failure: `parsed into what no recording can be: ${wrong}` } : { id, outcome: info ? 'parsed' : 'no-duration' };
  } catch (error) {
    outcome =
      error instanceof UnreadableRecordingError && UNREADABLE_REASONS.includes(error.reason) && error.message
        ? { id, outcome: 'unreadable', reason: error.reason }
        : { id, failure: `threw ${(error as Error)?.stack ?? String(error)}` };
  }
  // Measured while the read's allocations may still be held (no collection has run since, or it freed them).
  const grown = getHeapStatistics().external_memory - externalBefore;
  return !('failure' in outcome) && grown > MAX_EXTERNAL_GROWTH_BYTES ? { id, failure: `external memory grew by ${grown} bytes` } : outcome;
}

/** Pure: what is impossible in a parsed header, or null. */
function whatIsWrongWith(info: Mp4Info): string | null {
  if (!Number.isFinite(info.durationSeconds) || info.durationSeconds <= 0 || info.durationSeconds > MAX_RECORDING_SECONDS) {
    return `a duration of ${info.durationSeconds} s`;
  }
  for (const [what, times] of [
    ['frame times', info.video?.frameTimes],
    ['keyframe times', info.video?.keyframeTimes],
  ] as const) {
    if (!times) continue;
    if (times.length > MAX_SAMPLES_PER_FILE) return `${times.length} ${what}`;
    for (let i = 0; i < times.length; i += 1) {
      if (!Number.isFinite(times[i]) || (i > 0 && times[i] < times[i - 1])) return `${what} not finite and ascending at ${i}`;
    }
  }
  return null;
}

void loadFuzzBases().then((bases) => {
  process.on('message', (request: FuzzCaseRequest) => void answer(request, bases).then((reply) => process.send!(reply)));
  process.send!('ready');
});
