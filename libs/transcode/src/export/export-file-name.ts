/**
 * Pure: the download's file name, from the camera and the range start in UTC to the second,
 * e.g. `front_door-20231114-221320Z.mp4`. Camera names are already letters, digits, _ and -;
 * anything else would be replaced, so the name never needs quoting inside its header.
 */
export function exportFileName(camera: string, startSeconds: number): string {
  const iso = new Date(Math.floor(startSeconds) * 1000).toISOString();
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}Z`;
  return `${camera.replace(/[^A-Za-z0-9_-]/g, '_')}-${stamp}.mp4`;
}

/** The Content-Disposition header that saves the export under its file name. */
export function exportContentDisposition(camera: string, startSeconds: number): string {
  return `attachment; filename="${exportFileName(camera, startSeconds)}"`;
}
