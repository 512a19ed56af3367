import { canonicalSeconds } from '../model/session-id';

/**
 * Longest range one export may cover: half an hour. At the 720p H.264 the reference makes
 * (about 25 MB a minute) that is some 750 MB, under half the default TRANSCODE_MAX_DISK_MB and
 * the shipped compose's budget, so the node's two exports fit beside the viewers' segments; a
 * longer stretch is exported in parts.
 */
export const DEFAULT_EXPORT_MAX_SECONDS = 1800;

/** Exports running at once: each holds room for its MP4 and one mux process. */
export interface ExportLimits {
  /** Per requester (user, or address when anonymous). */
  perRequester: number;
  /** On this node. */
  total: number;
}

/** One at a time per requester, two in all: an export is a download, not a stream to many. */
export const DEFAULT_EXPORT_LIMITS: ExportLimits = { perRequester: 1, total: 2 };

/** An export in flight, as admission sees it. */
export interface InFlightExport {
  key: string;
  requester: string;
}

/** What to do with a new export request. */
export type ExportAdmission = { kind: 'join' } | { kind: 'start' } | { kind: 'refuse'; reason: 'requester-limit' | 'total-limit' };

/** Which export a request is: the same requester and the same range (to the millisecond) are one export. */
export function exportKey(requester: string, camera: string, start: number, end: number): string {
  return `${requester}\n${camera}\n${canonicalSeconds(start)}\n${canonicalSeconds(end)}`;
}

/**
 * Pure: a request for an export that is in flight joins it (a double click, a retried download);
 * otherwise it starts one if the requester and the node are under their limits.
 */
export function decideExportAdmission(
  inFlight: readonly InFlightExport[],
  request: InFlightExport,
  limits: ExportLimits = DEFAULT_EXPORT_LIMITS,
): ExportAdmission {
  if (inFlight.some((other) => other.key === request.key)) return { kind: 'join' };
  if (inFlight.filter((other) => other.requester === request.requester).length >= limits.perRequester) return { kind: 'refuse', reason: 'requester-limit' };
  if (inFlight.length >= limits.total) return { kind: 'refuse', reason: 'total-limit' };
  return { kind: 'start' };
}
