// Training of the multinomial logistic regression that media/dsp/linear-classifier.ts runs:
// standardise, then full-batch gradient descent with Adam on the class-balanced cross-entropy
// plus an L2 penalty. Small data (hundreds of utterances), so full batches are cheap and the
// result is deterministic: the same data gives the same weights on every run and runtime.
import type { LinearClassifierWeights } from "../../media/dsp/linear-classifier.ts";

/** How hard and how long to fit. */
export interface LogisticRegressionOptions {
  /** L2 penalty on the weights (default 0.1). */
  l2?: number;
  /** Gradient steps (default 300). */
  iterations?: number;
  /** Adam learning rate (default 0.05). */
  learningRate?: number;
}

/** Fits a classifier of `classes.length` classes to rows `inputs` with labels `labels` (class indices). */
export function trainLogisticRegression(inputs: readonly ArrayLike<number>[], labels: readonly number[], classes: readonly string[], options: LogisticRegressionOptions = {}): LinearClassifierWeights {
  const n = inputs.length;
  const d = inputs[0]!.length;
  const k = classes.length;
  const l2 = options.l2 ?? 0.1;
  const rate = options.learningRate ?? 0.05;
  const mean = new Float64Array(d);
  const scale = new Float64Array(d);
  for (const row of inputs) for (let j = 0; j < d; j++) mean[j] = mean[j]! + finite(row[j]!) / n;
  for (const row of inputs) for (let j = 0; j < d; j++) scale[j] = scale[j]! + (finite(row[j]!) - mean[j]!) ** 2 / n;
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt(scale[j]!) || 1;
  const z = inputs.map((row) => Float64Array.from({ length: d }, (_, j) => (finite(row[j]!) - mean[j]!) / scale[j]!));
  // Each class weighs the same in the loss, however many examples it has.
  const counts = new Float64Array(k);
  for (const label of labels) counts[label] = counts[label]! + 1;
  const sampleWeight = labels.map((label) => n / (k * counts[label]!));

  const size = k * (d + 1);
  const theta = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const gradient = new Float64Array(size);
  const scores = new Float64Array(k);
  for (let step = 1; step <= (options.iterations ?? 300); step++) {
    gradient.fill(0);
    for (let i = 0; i < n; i++) {
      const row = z[i]!;
      let max = -Infinity;
      for (let c = 0; c < k; c++) {
        const base = c * (d + 1);
        let s = theta[base + d]!;
        for (let j = 0; j < d; j++) s += theta[base + j]! * row[j]!;
        scores[c] = s;
        if (s > max) max = s;
      }
      let sum = 0;
      for (let c = 0; c < k; c++) sum += scores[c] = Math.exp(scores[c]! - max);
      for (let c = 0; c < k; c++) {
        const g = (sampleWeight[i]! * (scores[c]! / sum - (labels[i] === c ? 1 : 0))) / n;
        const base = c * (d + 1);
        for (let j = 0; j < d; j++) gradient[base + j] = gradient[base + j]! + g * row[j]!;
        gradient[base + d] = gradient[base + d]! + g;
      }
    }
    for (let p = 0; p < size; p++) {
      const isBias = p % (d + 1) === d;
      const g = gradient[p]! + (isBias ? 0 : l2 * theta[p]!);
      m[p] = 0.9 * m[p]! + 0.1 * g;
      v[p] = 0.999 * v[p]! + 0.001 * g * g;
      theta[p] = theta[p]! - (rate * (m[p]! / (1 - 0.9 ** step))) / (Math.sqrt(v[p]! / (1 - 0.999 ** step)) + 1e-8);
    }
  }
  return {
    classes: [...classes],
    mean: Array.from(mean, round),
    scale: Array.from(scale, round),
    weights: Array.from({ length: k }, (_, c) => Array.from(theta.subarray(c * (d + 1), c * (d + 1) + d), round)),
    bias: Array.from({ length: k }, (_, c) => round(theta[c * (d + 1) + d]!)),
  };
}

/** Seven significant digits: what the weight files store (the figures do not move). */
export function round(value: number): number {
  return Number(value.toPrecision(7));
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
