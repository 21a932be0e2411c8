// One caller's baseline: the running mean and spread of their utterances' emotion features, so an
// utterance can be described relative to how this caller usually sounds (a high voice is not an
// excited one). Built from the caller's own unlabelled speech only; used by the plugin when
// `speakerBaselineUtterances` is set, and by the training script over each actor's clips.

/** Spread below this (in a feature's own units) is treated as this, so a constant feature does not explode. */
const MIN_SPREAD = 1e-6;

/** Running per-feature mean and standard deviation of one speaker's utterance vectors (Welford). */
export class SpeakerBaseline {
  #count = 0;
  #mean: Float64Array = new Float64Array(0);
  #squares: Float64Array = new Float64Array(0);

  /** Utterances added so far. */
  get utterances(): number {
    return this.#count;
  }

  /** Adds one utterance's feature vector (non-finite entries count as the running mean). */
  add(features: readonly number[]): void {
    if (this.#count === 0) {
      this.#mean = new Float64Array(features.length);
      this.#squares = new Float64Array(features.length);
    }
    this.#count++;
    for (let j = 0; j < features.length; j++) {
      const value = Number.isFinite(features[j]!) ? features[j]! : this.#mean[j]!;
      const delta = value - this.#mean[j]!;
      this.#mean[j] = this.#mean[j]! + delta / this.#count;
      this.#squares[j] = this.#squares[j]! + delta * (value - this.#mean[j]!);
    }
  }

  /** `features` as standard scores against the baseline (zeros before any utterance). */
  normalise(features: readonly number[]): number[] {
    if (this.#count === 0) return features.map(() => 0);
    return features.map((value, j) => {
      const spread = Math.max(MIN_SPREAD, Math.sqrt(this.#squares[j]! / this.#count));
      const score = (value - this.#mean[j]!) / spread;
      return Number.isFinite(score) ? score : 0;
    });
  }
}
