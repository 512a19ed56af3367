/** Logical name of segment `index` in playlists and URLs (stable across encoder runs). */
export function segmentUri(index: number): string {
  return `seg_${String(index).padStart(5, '0')}.ts`;
}
