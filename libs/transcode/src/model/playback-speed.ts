/** The speeds a session can be made at (`?speed=N`): 1 is normal playback. */
export const PLAYBACK_SPEEDS = [1, 2, 4, 8, 16, 32] as const;
export type PlaybackSpeed = (typeof PLAYBACK_SPEEDS)[number];

export function isPlaybackSpeed(value: number): value is PlaybackSpeed {
  return (PLAYBACK_SPEEDS as readonly number[]).includes(value);
}

/** A speed read back from elsewhere (a registry record): 1 unless it is one of the speeds. */
export function asPlaybackSpeed(value: number | undefined): PlaybackSpeed {
  return value !== undefined && isPlaybackSpeed(value) ? value : 1;
}
