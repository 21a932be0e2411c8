// Main-thread time per audio frame of each plugin (and each shared stream), measured on one frame
// in SAMPLE_EVERY. Timing every delivery cost two clock reads and a histogram observation per
// plugin per frame (about 0.3 us each, ten plugins on a call); a 1-in-16 sample gives the same
// mean and quantiles within a few percent after a second of a call, at a sixteenth of the cost.
//
// A frame's deliveries nest: the fanout delivers to the feature stream, which delivers feature
// frames to emotion, whose event reaches the voice bot. Each timer records its own time (exclusive
// of the timed deliveries nested in it), summed over the frame, so the per-plugin figures add up
// to the frame's total instead of counting the nested work twice.

/** One frame in this many is timed (a power of two). */
export const SAMPLE_EVERY = 16;

let frames = 0;
let sampling = false;
/** Seconds spent in timed deliveries nested in the one running now. */
let nestedSeconds = 0;
const touched: FrameTimer[] = [];

/** Time one plugin or shared stream spends on a frame, summed over its deliveries and recorded per sampled frame. */
export class FrameTimer {
  #seconds = 0;
  #touched = false;

  /** @param record receives the seconds of each sampled frame (a histogram's observe) */
  constructor(readonly record: (seconds: number) => void) {}

  /** Hands `value` to `subscriber`; on a sampled frame, adds the time it took, less the timed deliveries inside it. */
  deliver<T>(subscriber: { next(value: T): void }, value: T): void {
    if (!sampling) {
      subscriber.next(value);
      return;
    }
    const outer = nestedSeconds;
    nestedSeconds = 0;
    const start = performance.now();
    try {
      subscriber.next(value);
    } finally {
      const elapsed = (performance.now() - start) / 1000;
      this.#seconds += elapsed - nestedSeconds;
      nestedSeconds = outer + elapsed;
      if (!this.#touched) {
        this.#touched = true;
        touched.push(this);
      }
    }
  }

  /** Records the frame's total and starts over. */
  flush(): void {
    this.#touched = false;
    const seconds = this.#seconds;
    this.#seconds = 0;
    this.record(seconds);
  }
}

/** Marks the start of one decoded frame's delivery to a session's subscribers: decides whether it is timed. */
export function beginFrame(): void {
  sampling = (++frames & (SAMPLE_EVERY - 1)) === 0;
  nestedSeconds = 0;
}

/** Marks the end of that delivery: each timer that took part records its time for the frame. */
export function endFrame(): void {
  if (!sampling) return;
  sampling = false;
  for (const timer of touched.splice(0)) timer.flush();
}

/** A per-packet histogram observed on one packet in SAMPLE_EVERY (the rest pay one increment). */
export class SampledHistogram {
  #count = 0;

  constructor(readonly histogram: { observe(value: number): void }) {}

  /** Records the time since `startMs` (performance.now()) when this packet is one of the sample. */
  observeSince(startMs: number): void {
    if ((++this.#count & (SAMPLE_EVERY - 1)) === 0) this.histogram.observe((performance.now() - startMs) / 1000);
  }
}
