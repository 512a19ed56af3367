/** The error `fn` throws, for a spec to look at its type and message; fails the spec when it does not throw. */
export function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}
