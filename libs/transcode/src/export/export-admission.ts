import { canonicalSeconds } from '../session-id';

/** Exports running at once: each holds a scratch copy of its range and one remux. */
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
