/** A health report as terminus writes it: an overall status, and an entry per check. */
export interface HealthReport {
  status?: unknown;
  message?: unknown;
  info?: Record<string, Record<string, unknown>>;
  error?: Record<string, Record<string, unknown>>;
  details?: Record<string, Record<string, unknown>>;
}

/**
 * Pure: what anyone may read of a health report: the overall status and each check's up or
 * down, nothing of why (messages carry internal URLs, paths and ffmpeg's stderr; the detail is
 * for an admin's token).
 */
export function publicHealthReport(report: HealthReport): HealthReport {
  const statusesOf = (entries?: Record<string, Record<string, unknown>>) =>
    entries && Object.fromEntries(Object.entries(entries).map(([name, entry]) => [name, { status: entry.status }]));
  return {
    status: report.status,
    ...(report.message !== undefined ? { message: report.message } : {}),
    ...(report.info ? { info: statusesOf(report.info) } : {}),
    ...(report.error ? { error: statusesOf(report.error) } : {}),
    ...(report.details ? { details: statusesOf(report.details) } : {}),
  };
}
