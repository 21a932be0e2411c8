import { type AudioFrame, createResampler, type Resampler } from "../../media/mod.ts";

/** Turns frames of any rate into samples at the rate an engine accepts, resampling only when needed. */
export interface RateConverter {
  /** The frame's samples at `rateFor(frame.sampleRate)`. */
  convert(frame: AudioFrame): Int16Array;
  /** The rate the last frame was converted to (0 before the first). */
  readonly rate: number;
}

/**
 * Creates a converter for one stream. `rateFor` names the rate the engine wants for an input rate
 * (the input rate itself when the engine takes it). A change of input rate mid-stream starts a new
 * resampler, so a stream that switches codecs keeps working.
 */
export function createRateConverter(rateFor: (inputRate: number) => number): RateConverter {
  let resampler: Resampler | undefined;
  let inputRate = 0;
  let rate = 0;
  return {
    convert(frame) {
      if (frame.sampleRate !== inputRate) {
        inputRate = frame.sampleRate;
        rate = rateFor(inputRate);
        resampler = rate === inputRate ? undefined : createResampler(inputRate, rate);
      }
      return resampler ? resampler.process(frame.samples) : frame.samples;
    },
    get rate() {
      return rate;
    },
  };
}
