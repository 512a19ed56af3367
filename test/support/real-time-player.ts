/**
 * A player that plays a session in real time, as hls.js does: it fetches segment after segment
 * from where it starts, keeps at most 30 s buffered, and plays the playlist's durations on a
 * wall clock once its first segment is in. A stall is the playback clock reaching a segment
 * that has not arrived; the clock then waits for it.
 */
export interface RealTimePlay {
  /** Seconds of footage played. */
  playedSeconds: number;
  stalls: number;
  /** Longest wait for a segment after playback began (ms). */
  longestStallMs: number;
}

const MAX_BUFFER_MS = 30_000;

export async function playInRealTime(playlistUrl: string, fromIndex: number, seconds: number): Promise<RealTimePlay> {
  const playlist = await (await fetch(playlistUrl)).text();
  const uris = [...playlist.matchAll(/^#EXTINF:([\d.]+),\n(.+)$/gm)].map((m) => ({ ms: Number(m[1]) * 1000, uri: m[2] }));
  const base = new URL(playlistUrl);
  let playStart = 0;
  /** Where on the playback clock the next segment starts (ms of footage from `fromIndex`). */
  let footageMs = 0;
  let delay = 0;
  let stalls = 0;
  let longestStallMs = 0;
  for (let index = fromIndex; index < uris.length && footageMs < seconds * 1000; index += 1) {
    if (playStart) {
      const roomAt = playStart + delay + footageMs - MAX_BUFFER_MS;
      const wait = roomAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    const response = await fetch(new URL(uris[index].uri, base));
    if (response.status !== 200) throw new Error(`segment ${index} answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
    const now = performance.now();
    if (!playStart) playStart = now;
    const due = playStart + delay + footageMs;
    if (now > due + 1) {
      stalls += 1;
      longestStallMs = Math.max(longestStallMs, now - due);
      delay += now - due;
    }
    footageMs += uris[index].ms;
  }
  // Play out what is buffered.
  const end = playStart + delay + Math.min(footageMs, seconds * 1000);
  if (end > performance.now()) await new Promise((resolve) => setTimeout(resolve, end - performance.now()));
  return { playedSeconds: Math.min(footageMs, seconds * 1000) / 1000, stalls, longestStallMs };
}
