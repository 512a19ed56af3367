/** What the disk planner knows about one session. */
export interface SessionDiskView {
  id: string;
  /** Last playlist or segment request (epoch ms). */
  lastAccessAt: number;
  /** No viewer has asked for anything lately and nobody waits: the session may be evicted. */
  idle: boolean;
  /** Finished segments on disk and their sizes. */
  segments: readonly { index: number; bytes: number }[];
  /** Segments viewers asked for lately: where they are. */
  viewerPositions: readonly number[];
}

export interface DiskReclaimPlan {
  /** Segment files to delete, per session. */
  deleteSegments: Map<string, number[]>;
  /** Sessions to stop and delete, oldest first. */
  evictSessions: string[];
  /** Bytes left once the plan is carried out. */
  bytesAfter: number;
}

/**
 * Pure: how to bring the transcode dir down to `targetBytes`. First, segments far behind every
 * viewer of their session (more than `keepBehindSegments` behind the one furthest back, so a
 * short seek back still finds its segments), furthest behind first; then whole idle sessions,
 * the longest unrequested first. Sessions being watched are never evicted.
 */
export function planDiskReclaim(
  sessions: readonly SessionDiskView[],
  targetBytes: number,
  keepBehindSegments: number,
): DiskReclaimPlan {
  let total = sessions.reduce((sum, session) => sum + session.segments.reduce((s, segment) => s + segment.bytes, 0), 0);
  const plan: DiskReclaimPlan = { deleteSegments: new Map(), evictSessions: [], bytesAfter: total };
  if (total <= targetBytes) return plan;

  const behind: { session: string; index: number; bytes: number; distance: number }[] = [];
  for (const session of sessions) {
    if (session.idle || session.viewerPositions.length === 0) continue;
    const furthestBack = Math.min(...session.viewerPositions);
    for (const segment of session.segments) {
      const distance = furthestBack - segment.index;
      if (distance > keepBehindSegments) behind.push({ session: session.id, ...segment, distance });
    }
  }
  behind.sort((a, b) => b.distance - a.distance);
  for (const segment of behind) {
    if (total <= targetBytes) break;
    const list = plan.deleteSegments.get(segment.session) ?? [];
    list.push(segment.index);
    plan.deleteSegments.set(segment.session, list);
    total -= segment.bytes;
  }

  const idle = sessions.filter((session) => session.idle).sort((a, b) => a.lastAccessAt - b.lastAccessAt);
  for (const session of idle) {
    if (total <= targetBytes) break;
    plan.evictSessions.push(session.id);
    total -= session.segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }
  plan.bytesAfter = total;
  return plan;
}

/**
 * Pure: where the viewers of a session are, from the segments asked for lately. A viewer asks
 * for segment after segment, so the requests of one viewer form a run of nearby indices: each
 * run (indices less than `gap` apart) is one viewer, at the run's furthest segment.
 */
export function viewerPositionsFrom(requested: readonly number[], gap: number): number[] {
  const sorted = [...new Set(requested)].sort((a, b) => a - b);
  const positions: number[] = [];
  for (let i = 0; i < sorted.length; i += 1) {
    if (i + 1 === sorted.length || sorted[i + 1] - sorted[i] >= gap) positions.push(sorted[i]);
  }
  return positions;
}
