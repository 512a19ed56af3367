/**
 * A log entry about a session: the message plus the session's id and camera as fields, so JSON
 * logs can be filtered by session (a request's id is added by the logger when there is one).
 */
export function sessionLog(
  session: { readonly id: string; readonly camera: string },
  msg: string,
  fields: Record<string, unknown> = {},
): Record<string, unknown> {
  return { msg, sessionId: session.id, camera: session.camera, ...fields };
}
