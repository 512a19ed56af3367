import { FfmpegCommandBuilder, FfmpegProcessSupervisor, ProcessExit } from '@app/ffmpeg';
import { Clock } from './clock';
import { EncoderSelector } from './policy/encoder-selector.service';
import { FfmpegHealth } from './ffmpeg-health.service';
import { TranscodeModuleOptions } from './transcode.module-definition';

const worked: ProcessExit = { code: 0, signal: null, stderrTail: [] };
const failed: ProcessExit = { code: null, signal: null, spawnError: 'spawn ffmpeg ENOENT', stderrTail: [] };
const busy: ProcessExit = { code: null, signal: null, spawnError: 'auxiliary process pool busy', busy: true, stderrTail: [] };

/** The health probe, on a supervisor whose runs end as the test says. */
function healthWith(exits: ProcessExit[]): FfmpegHealth {
  const supervisor = { run: async () => ({ ...exits.shift()!, stdout: [] }) } as unknown as FfmpegProcessSupervisor;
  return new FfmpegHealth({ ffmpegPath: 'ffmpeg' } as TranscodeModuleOptions, new FfmpegCommandBuilder(), supervisor, {} as EncoderSelector, new Clock());
}

describe('FfmpegHealth', () => {
  it('keeps its last good answer when the auxiliary pool had no turn for the probe: busy is not broken', async () => {
    const health = healthWith([worked, busy]);
    await expect(health.check()).resolves.toBeUndefined();
    await expect(health.check()).resolves.toBeUndefined();
  });

  it('keeps a failure too: a busy pool does not make a missing ffmpeg healthy', async () => {
    const health = healthWith([failed, busy]);
    await expect(health.check()).rejects.toThrow(/ENOENT/);
    await expect(health.check()).rejects.toThrow(/busy/);
  });
});
