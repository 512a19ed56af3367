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

/** Segments around each viewer that are never deleted: the one before it and the two from it on. */
const NEVER_BEHIND = 1;
const NEVER_AHEAD = 2;

/**
 * Pure: how to bring the transcode dir down to `targetBytes`, a ceiling rather than a target:
 * 1. segments far behind every viewer of their session (more than `keepBehindSegments` behind
 *    the one furthest back, so a short seek back still finds its segments), furthest first;
 * 2. whole idle sessions, the longest unrequested first (sessions being watched never are);
 * 3. segments far from every viewer, behind or more than `keepAheadSegments` ahead (what a
 *    viewer who seeks around a long range leaves), furthest from a viewer first;
 * 4. with `toTheViewers`, anything but the few segments at each viewer, furthest first.
 * Without `keepAheadSegments`, only 1 and 2: making room for a new session never takes
 * footage from viewers. A deleted segment is made again when someone asks for it.
 */
export function planDiskReclaim(
  sessions: readonly SessionDiskView[],
  targetBytes: number,
  keepBehindSegments: number,
  { keepAheadSegments, toTheViewers = false }: { keepAheadSegments?: number; toTheViewers?: boolean } = {},
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
  total = deleteFurthestFirst(behind, plan, total, targetBytes);

  const idle = sessions.filter((session) => session.idle).sort((a, b) => a.lastAccessAt - b.lastAccessAt);
  for (const session of idle) {
    if (total <= targetBytes) break;
    plan.evictSessions.push(session.id);
    total -= session.segments.reduce((sum, segment) => sum + segment.bytes, 0);
  }
  const deleted = (session: string, index: number) => plan.deleteSegments.get(session)?.includes(index) ?? false;
  if (keepAheadSegments === undefined) {
    plan.bytesAfter = total;
    return plan;
  }
  const windows = [[keepBehindSegments, keepAheadSegments]];
  if (toTheViewers) windows.push([NEVER_BEHIND, NEVER_AHEAD - 1]);
  for (const [keepBehind, keepAhead] of windows) {
    if (total <= targetBytes) break;
    const far: { session: string; index: number; bytes: number; distance: number }[] = [];
    for (const session of sessions) {
      if (session.idle || session.viewerPositions.length === 0) continue;
      for (const segment of session.segments) {
        if (deleted(session.id, segment.index)) continue;
        const distance = Math.min(
          ...session.viewerPositions.map((viewer) => (segment.index >= viewer ? segment.index - viewer - keepAhead : viewer - segment.index - keepBehind)),
        );
        if (distance > 0) far.push({ session: session.id, ...segment, distance });
      }
    }
    total = deleteFurthestFirst(far, plan, total, targetBytes);
  }
  plan.bytesAfter = total;
  return plan;
}

/** Adds segments to the plan, the most distant first, until `total` is at most `targetBytes`; returns the new total. */
function deleteFurthestFirst(
  candidates: { session: string; index: number; bytes: number; distance: number }[],
  plan: DiskReclaimPlan,
  total: number,
  targetBytes: number,
): number {
  for (const segment of [...candidates].sort((a, b) => b.distance - a.distance)) {
    if (total <= targetBytes) break;
    const list = plan.deleteSegments.get(segment.session) ?? [];
    list.push(segment.index);
    plan.deleteSegments.set(segment.session, list);
    total -= segment.bytes;
  }
  return total;
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

/** What a reservation of room in TRANSCODE_DIR (an export's file) is checked against. */
export interface ReservationCheck {
  /** Bytes counted now: finished segments and the room reservations hold. */
  usedBytes: number;
  /** Bytes asked for (the growth, for a reservation that grows). */
  requestBytes: number;
  /** What the counted bytes may reach with it (a share of TRANSCODE_MAX_DISK_MB); null: no budget. */
  limitBytes: number | null;
  /** Free bytes on TRANSCODE_DIR's filesystem; null when they cannot be read. */
  freeBytes: number | null;
  /** Room reservations hold and have not written yet: free now, but taken. */
  outstandingBytes: number;
  /** The free-space floor. */
  minFreeBytes: number;
}

export type ReservationVerdict = { fits: true } | { fits: false; reason: 'budget' | 'free-space' };

/**
 * Pure: whether a reservation fits: within the limit with everything counted, and leaving the
 * free-space floor once every reservation has written what it holds.
 */
export function checkReservation(check: ReservationCheck): ReservationVerdict {
  if (check.limitBytes !== null && check.usedBytes + check.requestBytes > check.limitBytes) return { fits: false, reason: 'budget' };
  if (check.freeBytes !== null && check.freeBytes - check.outstandingBytes - check.requestBytes < check.minFreeBytes) {
    return { fits: false, reason: 'free-space' };
  }
  return { fits: true };
}
