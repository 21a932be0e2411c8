// Multinomial logistic regression at inference time: standardise the input with the training
// set's mean and scale, then a softmax over one linear score per class. The weights come from a
// JSON file written by the training scripts (scripts/train).
import { MediaParseError } from "../errors.ts";

/** The JSON form of a trained linear classifier. */
export interface LinearClassifierWeights {
  /** Class names, in the order of `weights` and `bias`. */
  classes: string[];
  /** Training-set mean of each input feature. */
  mean: number[];
  /** Training-set standard deviation of each input feature (the divisor). */
  scale: number[];
  /** One row of input weights per class. */
  weights: number[][];
  /** One bias per class. */
  bias: number[];
}

/** A trained softmax classifier over a fixed-length feature vector. */
export class LinearClassifier {
  /** Class names. */
  readonly classes: readonly string[];
  /** Length of the input vectors. */
  readonly inputs: number;
  readonly #mean: Float64Array;
  readonly #scale: Float64Array;
  readonly #weights: Float64Array;
  readonly #bias: Float64Array;
  readonly #standardised: Float64Array;

  /** Loads `weights`; throws MediaParseError (`bad_weights`) when their shapes disagree. */
  constructor(weights: LinearClassifierWeights) {
    const classes = weights.classes.length;
    const inputs = weights.mean.length;
    const consistent = classes > 1 && weights.scale.length === inputs && weights.bias.length === classes &&
      weights.weights.length === classes && weights.weights.every((row) => row.length === inputs);
    if (!consistent) throw new MediaParseError("bad_weights", "linear classifier weights have inconsistent shapes");
    this.classes = weights.classes;
    this.inputs = inputs;
    this.#mean = Float64Array.from(weights.mean);
    this.#scale = Float64Array.from(weights.scale, (s) => (s > 0 ? 1 / s : 0));
    this.#weights = Float64Array.from(weights.weights.flat());
    this.#bias = Float64Array.from(weights.bias);
    this.#standardised = new Float64Array(inputs);
  }

  /** Writes each class's linear score (log-probability up to a constant) for `features` into `out`. */
  logits(features: ArrayLike<number>, out = new Float64Array(this.classes.length)): Float64Array {
    const z = this.#standardised;
    for (let j = 0; j < this.inputs; j++) {
      const value = (features[j]! - this.#mean[j]!) * this.#scale[j]!;
      // A feature that could not be measured reads as the training average, not as NaN.
      z[j] = Number.isFinite(value) ? value : 0;
    }
    for (let k = 0, row = 0; k < this.classes.length; k++, row += this.inputs) {
      let sum = this.#bias[k]!;
      for (let j = 0; j < this.inputs; j++) sum += this.#weights[row + j]! * z[j]!;
      out[k] = sum;
    }
    return out;
  }

  /** Class probabilities for `features` (summing to 1), into `out`. */
  probabilities(features: ArrayLike<number>, out = new Float64Array(this.classes.length)): Float64Array {
    this.logits(features, out);
    let max = -Infinity;
    for (let k = 0; k < out.length; k++) if (out[k]! > max) max = out[k]!;
    let sum = 0;
    for (let k = 0; k < out.length; k++) {
      out[k] = Math.exp(out[k]! - max);
      sum += out[k]!;
    }
    for (let k = 0; k < out.length; k++) out[k] = out[k]! / sum;
    return out;
  }
}
