/** Camera names as Frigate accepts them: letters, digits, underscore and hyphen. */
export const CAMERA_NAME_REGEX = /^[a-zA-Z0-9_-]{1,64}$/;

export function isValidCameraName(name: string): boolean {
  return CAMERA_NAME_REGEX.test(name);
}
