/**
 * The bounds the MP4 readers hold every recording to. A file's counts, sizes and offsets may be
 * anything (power loss, a failing disk, a recorder killed mid-write): none of them sizes a loop
 * or an allocation before it is checked against these, and a file beyond them is unreadable.
 */

/**
 * The most samples the video track of one recording may have. An hour at 60 fps is 216,000
 * frames, and Frigate cuts 10 s files (600 frames at 60 fps): a count above this is a corrupt
 * one, not a camera's. At the limit the frame tables of a file take about 10 MB for a moment
 * (decode times, offsets and presentation times as 8-byte numbers), and the work is linear in it.
 */
export const MAX_SAMPLES_PER_FILE = 262_144;

/**
 * The moov box of a 10 s camera recording is a few KiB to a few dozen; the sample tables of an
 * hour at 60 fps with audio (MAX_SAMPLES_PER_FILE) take about 6 MB. Anything larger is not a
 * recording, and is not read into memory.
 */
export const MAX_MOOV_BYTES = 8 * 1024 * 1024;

/**
 * Top-level boxes looked at before the moov: a recording has ftyp, free or wide, mdat and moov
 * (a few more at most). A file of millions of tiny boxes is not walked to its end.
 */
export const MAX_TOP_LEVEL_BOXES = 64;

/** A day: no recorder cuts files longer, and a larger claim would cover a timeline with one corrupt file. */
export const MAX_RECORDING_SECONDS = 86_400;
