// Packet loss concealment for codecs without their own (G.711, L16), in the spirit of
// ITU-T G.711 Appendix I: replay the last pitch period of the decoded audio, hold the level for
// 10 ms, then fade linearly to silence at 60 ms of consecutive loss. Looping one period rather
// than a whole frame keeps voiced speech sounding like a held vowel instead of a stutter.

const FULL_LEVEL_MS = 10;
const SILENT_AFTER_MS = 60;
const MIN_PITCH_MS = 2.5; // 400 Hz
const MAX_PITCH_MS = 15; // 67 Hz
/** The coarse pitch search reads the audio as if sampled at this rate, so it is cheap at 48 kHz too. */
const COARSE_SEARCH_RATE = 4000;

/** Fills gaps in a decoded stream with a fading repeat of its last pitch period; one per stream. */
export class FadeConcealer {
  readonly #fullLevelSamples: number;
  readonly #fadeSamples: number;
  readonly #minLag: number;
  readonly #maxLag: number;
  readonly #searchStep: number;
  /** The most recent decoded audio, newest sample last: two maximal pitch periods. */
  readonly #history: Int16Array;
  /** One pitch period ready to loop, its end cross-faded into its start so the loop has no seam. */
  readonly #loop: Float32Array;
  #period = 0;
  #overlap = 0;
  #loopPosition = 0;
  /** Samples concealed since the last good frame; 0 while the stream flows. */
  #lost = 0;

  /** Creates a concealer for a stream of `sampleRate` Hz. */
  constructor(sampleRate: number) {
    this.#fullLevelSamples = Math.round((sampleRate * FULL_LEVEL_MS) / 1000);
    this.#fadeSamples = Math.round((sampleRate * SILENT_AFTER_MS) / 1000) - this.#fullLevelSamples;
    this.#minLag = Math.max(1, Math.round((sampleRate * MIN_PITCH_MS) / 1000));
    this.#maxLag = Math.max(this.#minLag, Math.round((sampleRate * MAX_PITCH_MS) / 1000));
    this.#searchStep = Math.max(1, Math.floor(sampleRate / COARSE_SEARCH_RATE));
    this.#history = new Int16Array(2 * this.#maxLag);
    this.#loop = new Float32Array(this.#maxLag);
  }

  /**
   * Records a good decoded frame as the source of later concealment. After a loss it first
   * cross-fades the start of `samples` (in place) from the concealed signal, so recovery is click-free.
   */
  remember(samples: Int16Array): void {
    if (this.#lost > 0) this.#crossFadeIn(samples);
    this.#lost = 0;
    const history = this.#history;
    const size = history.length;
    if (samples.length >= size) {
      history.set(samples.subarray(samples.length - size));
    } else {
      history.copyWithin(0, samples.length);
      history.set(samples, size - samples.length);
    }
  }

  /** Returns `length` samples standing in for lost audio, quieter the longer the loss lasts. */
  conceal(length: number): Int16Array {
    const out = new Int16Array(length);
    if (this.#lost === 0) this.#prepareLoop();
    const loop = this.#loop;
    let position = this.#loopPosition;
    const end = Math.min(length, this.#fullLevelSamples + this.#fadeSamples - this.#lost);
    for (let i = 0; i < end; i++) {
      out[i] = Math.round(loop[position]! * this.#gainAt(this.#lost + i));
      if (++position === this.#period) position = 0;
    }
    this.#loopPosition = position;
    this.#lost += length;
    return out;
  }

  #gainAt(lostSamples: number): number {
    const intoFade = lostSamples - this.#fullLevelSamples;
    return intoFade <= 0 ? 1 : Math.max(0, 1 - intoFade / this.#fadeSamples);
  }

  #prepareLoop(): void {
    const history = this.#history;
    const size = history.length;
    const period = this.#estimatePeriod();
    const overlap = Math.max(1, period >> 2);
    const loop = this.#loop;
    for (let i = 0; i < period; i++) loop[i] = history[size - period + i]!;
    // The samples just before the period lead naturally into its first sample: blend them into
    // the period's tail so that wrapping from the last sample to the first is continuous.
    for (let j = 0; j < overlap; j++) {
      const w = (j + 1) / (overlap + 1);
      loop[period - overlap + j] = (1 - w) * history[size - overlap + j]! + w * history[size - period - overlap + j]!;
    }
    this.#period = period;
    this.#overlap = overlap;
    this.#loopPosition = 0;
  }

  /** Lag in [minLag, maxLag] at which the newest audio best resembles itself: coarse, then refined. */
  #estimatePeriod(): number {
    const step = this.#searchStep;
    const coarse = this.#bestLag(this.#minLag, this.#maxLag, step);
    return this.#bestLag(Math.max(this.#minLag, coarse - step + 1), Math.min(this.#maxLag, coarse + step - 1), 1);
  }

  /** Best lag on a grid of `step`, scoring each by the lagged segment's correlation with the newest audio. */
  #bestLag(from: number, to: number, step: number): number {
    const history = this.#history;
    const size = history.length;
    const window = this.#maxLag;
    let bestLag = to;
    let bestScore = -Infinity;
    for (let lag = from; lag <= to; lag += step) {
      let correlation = 0;
      let energy = 0;
      for (let i = size - window; i < size; i += step) {
        const lagged = history[i - lag]!;
        correlation += history[i]! * lagged;
        energy += lagged * lagged;
      }
      const score = energy > 0 ? correlation / Math.sqrt(energy) : 0;
      if (score > bestScore) {
        bestScore = score;
        bestLag = lag;
      }
    }
    return bestLag;
  }

  #crossFadeIn(samples: Int16Array): void {
    const loop = this.#loop;
    const length = Math.min(this.#overlap, samples.length);
    let position = this.#loopPosition;
    for (let j = 0; j < length; j++) {
      const w = (j + 1) / (length + 1);
      const concealed = loop[position]! * this.#gainAt(this.#lost + j);
      samples[j] = Math.round((1 - w) * concealed + w * samples[j]!);
      if (++position === this.#period) position = 0;
    }
  }
}
