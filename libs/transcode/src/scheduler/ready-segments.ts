/**
 * The finished segments of a session: the file that holds each (named by the run that made it)
 * and its size on disk. Its driver is the one writer: it keeps a segment when the scheduler says
 * so, and forgets one when the disk budget takes it back; everyone else reads.
 */
export class ReadySegments {
  private readonly files = new Map<number, string>();
  private readonly sizes = new Map<number, number>();
  private bytes = 0;

  file(index: number): string | undefined {
    return this.files.get(index);
  }

  /** Bytes of the finished file of segment `index`, as it was when listed (0: unknown). */
  size(index: number): number {
    return this.sizes.get(index) ?? 0;
  }

  get count(): number {
    return this.files.size;
  }

  /** Bytes of the finished segments on disk. */
  get storedBytes(): number {
    return this.bytes;
  }

  /** Finished segments with their sizes. */
  stored(): { index: number; bytes: number }[] {
    return [...this.sizes].map(([index, bytes]) => ({ index, bytes }));
  }

  /**
   * The files finished segments are served from (by name: a file's number is ffmpeg's own count,
   * which can drift from the plan's index where frames are missing).
   */
  servedFiles(): Set<string> {
    return new Set(this.files.values());
  }

  /** Records a finished segment of `bytes`; returns the file it replaces (from an earlier run), if any. */
  keep(index: number, fileName: string, bytes = 0): string | undefined {
    const previous = this.files.get(index);
    this.files.set(index, fileName);
    this.bytes += bytes - (this.sizes.get(index) ?? 0);
    this.sizes.set(index, bytes);
    return previous !== fileName ? previous : undefined;
  }

  /** Forgets a finished segment (its file is being deleted); a later request makes it again. */
  forget(index: number): string | undefined {
    const file = this.files.get(index);
    this.files.delete(index);
    this.bytes -= this.sizes.get(index) ?? 0;
    this.sizes.delete(index);
    return file;
  }
}
