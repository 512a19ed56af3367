/** Implemented by whoever owns sessions (TranscodeModule), so the camera guard can check stream routes. */
export interface SessionCameraResolver {
  /** The camera of a live session (on this node or another); undefined when there is no such session. */
  cameraOfSession(sessionId: string): Promise<string | undefined> | string | undefined;
}

export const SESSION_CAMERA_RESOLVER = Symbol('SESSION_CAMERA_RESOLVER');
