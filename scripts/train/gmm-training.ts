// Expectation-maximisation for the diagonal GMM of media/dsp/gmm.ts (the speaker verification
// background model). Initialised from frames drawn with a seeded generator, so training is
// deterministic; a component that loses its data is re-seeded instead of collapsing.
import { DiagonalGmm, type GmmWeights } from "../../media/dsp/gmm.ts";
import { createRng } from "../../media/signal-test-utils.ts";
import { round } from "./logistic-regression.ts";

/** Fits `components` diagonal Gaussians to `frames` with `iterations` EM steps. */
export function trainGmm(frames: readonly Float64Array[], components: number, iterations = 12, seed = 1): GmmWeights {
  const d = frames[0]!.length;
  const rng = createRng(seed);
  const globalMean = new Float64Array(d);
  const globalVariance = new Float64Array(d);
  for (const x of frames) for (let j = 0; j < d; j++) globalMean[j] = globalMean[j]! + x[j]! / frames.length;
  for (const x of frames) for (let j = 0; j < d; j++) globalVariance[j] = globalVariance[j]! + (x[j]! - globalMean[j]!) ** 2 / frames.length;
  const pick = () => Array.from(frames[Math.floor(rng() * frames.length)]!);
  let model: GmmWeights = {
    weights: new Array<number>(components).fill(1 / components),
    means: Array.from({ length: components }, pick),
    variances: Array.from({ length: components }, () => Array.from(globalVariance)),
  };
  const scratch = new Float64Array(components);
  for (let iteration = 0; iteration < iterations; iteration++) {
    const gmm = new DiagonalGmm(model);
    const statistics = gmm.createStatistics();
    const squares = new Float64Array(components * d);
    for (const x of frames) {
      const total = gmm.logDensities(x, scratch);
      for (let k = 0; k < components; k++) {
        const posterior = Math.exp(scratch[k]! - total);
        if (posterior < 1e-6) continue;
        statistics.counts[k] = statistics.counts[k]! + posterior;
        for (let j = 0, at = k * d; j < d; j++, at++) {
          statistics.sums[at] = statistics.sums[at]! + posterior * x[j]!;
          squares[at] = squares[at]! + posterior * x[j]! * x[j]!;
        }
      }
    }
    model = {
      weights: Array.from(statistics.counts, (n) => Math.max(n, 1e-3) / frames.length),
      means: Array.from({ length: components }, (_, k) => {
        const n = statistics.counts[k]!;
        return n < 2 ? pick() : Array.from({ length: d }, (_, j) => statistics.sums[k * d + j]! / n);
      }),
      variances: Array.from({ length: components }, (_, k) => {
        const n = statistics.counts[k]!;
        // Floor at 1% of the global variance so no component shrinks onto a handful of frames.
        return Array.from({ length: d }, (_, j) => {
          if (n < 2) return globalVariance[j]!;
          const m = statistics.sums[k * d + j]! / n;
          return Math.max(0.01 * globalVariance[j]!, squares[k * d + j]! / n - m * m);
        });
      }),
    };
    const total = model.weights.reduce((a, b) => a + b, 0);
    model.weights = model.weights.map((w) => w / total);
  }
  return { weights: model.weights.map(round), means: model.means.map((m) => m.map(round)), variances: model.variances.map((v) => v.map(round)) };
}
