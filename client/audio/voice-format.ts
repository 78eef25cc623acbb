/**
 * The one audio format Parley speaks end to end: 48 kHz mono, 20 ms frames.
 *
 * Capture, Opus, the datagram `ts` clock and playback all count in these
 * units, so no module ever resamples or re-frames.
 */

/** Samples per second of every AudioContext, Opus encoder and decoder, and of the datagram `ts` clock. */
export const SAMPLE_RATE = 48_000;

/** Duration of one Opus frame / one datagram, in ms. */
export const FRAME_MS = 20;

/** Samples in one 20 ms frame at 48 kHz (the `ts` step per frame). */
export const FRAME_SAMPLES = 960;

/** Samples per ms at {@link SAMPLE_RATE}; converts `ts` deltas to ms. */
export const SAMPLES_PER_MS = 48;

/**
 * Opus payloads of this many bytes or fewer are DTX frames (TOC byte only,
 * "nothing to say"). libopus returns them while the input is silent; the
 * sender transmits only the first one of a silent stretch, so the receiver
 * knows silence started and plays zeros instead of concealing.
 */
export const DTX_MAX_BYTES = 2;
