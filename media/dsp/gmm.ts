// Diagonal-covariance Gaussian mixtures for speaker verification, the GMM-UBM way (Reynolds
// 2000): a universal background model (UBM) trained on many speakers, a speaker model made by
// moving the UBM's means towards the speaker's enrollment speech (MAP adaptation), and a score
// that is the average per-frame log-likelihood ratio of speaker model to UBM. Scoring evaluates
// every UBM component but only the top few in the speaker model, since a frame's likelihood is
// dominated by a handful of components and adaptation keeps them aligned.
import { MediaParseError } from "../errors.ts";

/** The JSON form of a diagonal GMM. */
export interface GmmWeights {
  /** Mixture weights (sum to 1). */
  weights: number[];
  /** One mean vector per component. */
  means: number[][];
  /** One variance vector per component. */
  variances: number[][];
}

/** Zeroth and first order statistics of frames against a UBM: what enrollment accumulates. */
export interface GmmStatistics {
  /** Soft count of frames per component. */
  readonly counts: Float64Array;
  /** Posterior-weighted sum of frames per component, components x dimensions. */
  readonly sums: Float64Array;
  /** Frames accumulated. */
  frames: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** A diagonal GMM with the precomputations that make a frame's log-likelihoods cheap. */
export class DiagonalGmm {
  /** Number of components. */
  readonly components: number;
  /** Feature dimensions. */
  readonly dimensions: number;
  /** Means, components x dimensions, row-major. */
  readonly means: Float64Array;
  readonly #inverseVariances: Float64Array;
  readonly #constants: Float64Array;
  readonly #weights: Float64Array;

  /** Loads a GMM; throws MediaParseError (`bad_weights`) when its shapes disagree or a variance is not positive. */
  constructor(gmm: GmmWeights) {
    const components = gmm.weights.length;
    const dimensions = gmm.means[0]?.length ?? 0;
    const valid = components > 0 && dimensions > 0 && gmm.means.length === components && gmm.variances.length === components &&
      gmm.means.every((m) => m.length === dimensions) && gmm.variances.every((v) => v.length === dimensions && v.every((x) => x > 0));
    if (!valid) throw new MediaParseError("bad_weights", "GMM weights have inconsistent shapes or non-positive variances");
    this.components = components;
    this.dimensions = dimensions;
    this.means = Float64Array.from(gmm.means.flat());
    this.#weights = Float64Array.from(gmm.weights);
    this.#inverseVariances = Float64Array.from(gmm.variances.flat(), (v) => 1 / v);
    this.#constants = new Float64Array(components);
    for (let k = 0; k < components; k++) {
      let logDet = 0;
      for (const v of gmm.variances[k]!) logDet += Math.log(v);
      this.#constants[k] = Math.log(gmm.weights[k]!) - 0.5 * (dimensions * LOG_2PI + logDet);
    }
  }

  /** Log of weight x density of component `k` for `frame`, with `means` in place of the GMM's own. */
  componentLogDensity(frame: Float64Array, k: number, means: Float64Array = this.means): number {
    const d = this.dimensions;
    const inverse = this.#inverseVariances;
    let sum = 0;
    for (let j = 0, at = k * d; j < d; j++, at++) {
      const e = frame[j]! - means[at]!;
      sum += e * e * inverse[at]!;
    }
    return this.#constants[k]! - 0.5 * sum;
  }

  /** Writes every component's log weighted density for `frame` into `out`; returns the largest. */
  componentLogDensities(frame: Float64Array, out: Float64Array): number {
    // One flat pass over all means: the hot loop of verification and enrollment.
    const d = this.dimensions;
    const means = this.means;
    const inverse = this.#inverseVariances;
    const constants = this.#constants;
    let max = -Infinity;
    let at = 0;
    for (let k = 0; k < this.components; k++) {
      let sum = 0;
      for (let j = 0; j < d; j++, at++) {
        const e = frame[j]! - means[at]!;
        sum += e * e * inverse[at]!;
      }
      const value = constants[k]! - 0.5 * sum;
      out[k] = value;
      if (value > max) max = value;
    }
    return max;
  }

  /** Writes every component's log weighted density for `frame` into `out`; returns the frame's log-likelihood. */
  logDensities(frame: Float64Array, out: Float64Array): number {
    const max = this.componentLogDensities(frame, out);
    let sum = 0;
    for (let k = 0; k < this.components; k++) sum += Math.exp(out[k]! - max);
    return max + Math.log(sum);
  }

  /**
   * The `count` components with the highest log weighted density for `frame`, best first, into
   * `indices` and `values`. Exact, but cheaper than evaluating every component: a component's
   * distance only grows dimension by dimension, so it is abandoned as soon as it cannot beat the
   * current last of the best (partial distance elimination).
   */
  bestComponents(frame: Float64Array, count: number, indices: Int32Array, values: Float64Array): void {
    const d = this.dimensions;
    const means = this.means;
    const inverse = this.#inverseVariances;
    const constants = this.#constants;
    let filled = 0;
    for (let k = 0; k < this.components; k++) {
      const bar = filled === count ? values[count - 1]! : -Infinity;
      // The component beats the bar only while constant - sum / 2 > bar, i.e. sum < limit.
      const limit = 2 * (constants[k]! - bar);
      let sum = 0;
      let j = 0;
      for (let at = k * d; j < d; j++, at++) {
        const e = frame[j]! - means[at]!;
        sum += e * e * inverse[at]!;
        if (sum >= limit) break;
      }
      if (j < d) continue;
      const value = constants[k]! - 0.5 * sum;
      let at = filled < count ? filled++ : count - 1;
      while (at > 0 && values[at - 1]! < value) {
        values[at] = values[at - 1]!;
        indices[at] = indices[at - 1]!;
        at--;
      }
      values[at] = value;
      indices[at] = k;
    }
  }

  /** Empty enrollment statistics for this GMM. */
  createStatistics(): GmmStatistics {
    return { counts: new Float64Array(this.components), sums: new Float64Array(this.components * this.dimensions), frames: 0 };
  }

  /** Adds `frame`'s component posteriors and posterior-weighted values to `statistics`; `scratch` holds `components` values. */
  accumulate(frame: Float64Array, statistics: GmmStatistics, scratch: Float64Array): void {
    const total = this.logDensities(frame, scratch);
    const d = this.dimensions;
    for (let k = 0; k < this.components; k++) {
      const posterior = Math.exp(scratch[k]! - total);
      if (posterior < 1e-5) continue;
      statistics.counts[k] = statistics.counts[k]! + posterior;
      for (let j = 0, at = k * d; j < d; j++, at++) statistics.sums[at] = statistics.sums[at]! + posterior * frame[j]!;
    }
    statistics.frames++;
  }

  /** MAP-adapted means from enrollment `statistics`: each component moves towards its data by n / (n + relevance). */
  adaptMeans(statistics: GmmStatistics, relevance = 16): Float64Array {
    const d = this.dimensions;
    const adapted = new Float64Array(this.means.length);
    for (let k = 0; k < this.components; k++) {
      const n = statistics.counts[k]!;
      const alpha = n / (n + relevance);
      for (let j = 0, at = k * d; j < d; j++, at++) {
        const dataMean = n > 0 ? statistics.sums[at]! / n : 0;
        adapted[at] = alpha * dataMean + (1 - alpha) * this.means[at]!;
      }
    }
    return adapted;
  }
}

/**
 * Scores frames of one utterance against a claimed speaker: the mean over frames of
 * log p(frame | speaker) - log p(frame | UBM), both over the frame's `top` best UBM components.
 */
export class GmmVerifier {
  readonly #ubm: DiagonalGmm;
  readonly #top: number;
  readonly #values: Float64Array;
  readonly #best: Int32Array;

  /** A verifier against `ubm`, evaluating the speaker model on each frame's `top` UBM components. */
  constructor(ubm: DiagonalGmm, top = 5) {
    this.#ubm = ubm;
    this.#top = Math.min(top, ubm.components);
    this.#values = new Float64Array(this.#top);
    this.#best = new Int32Array(this.#top);
  }

  /** The log-likelihood ratio of one frame for the speaker whose adapted means are `speakerMeans`. */
  frameScore(frame: Float64Array, speakerMeans: Float64Array): number {
    const ubm = this.#ubm;
    const best = this.#best;
    const values = this.#values;
    const top = this.#top;
    ubm.bestComponents(frame, top, best, values);
    let max = values[0]!;
    let ubmSum = 0;
    for (let i = 0; i < top; i++) ubmSum += Math.exp(values[i]! - max);
    const ubmLog = max + Math.log(ubmSum);
    max = -Infinity;
    for (let i = 0; i < top; i++) {
      values[i] = ubm.componentLogDensity(frame, best[i]!, speakerMeans);
      if (values[i]! > max) max = values[i]!;
    }
    let speakerSum = 0;
    for (let i = 0; i < top; i++) speakerSum += Math.exp(values[i]! - max);
    return max + Math.log(speakerSum) - ubmLog;
  }
}
