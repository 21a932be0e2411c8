import { test } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "../errors.ts";
import { createRng, type Rng } from "../signal-test-utils.ts";
import { DiagonalGmm, GmmVerifier, type GmmWeights } from "./gmm.ts";

const ubmWeights: GmmWeights = {
  weights: [0.25, 0.25, 0.25, 0.25],
  means: [[0, 0], [4, 0], [0, 4], [4, 4]],
  variances: [[1, 1], [1, 1], [1, 1], [1, 1]],
};

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function cloud(rng: Rng, centre: [number, number], count: number): Float64Array[] {
  return Array.from({ length: count }, () => Float64Array.of(centre[0] + 0.7 * gaussian(rng), centre[1] + 0.7 * gaussian(rng)));
}

test("log densities match the Gaussian formula", () => {
  const gmm = new DiagonalGmm({ weights: [1], means: [[1, 2]], variances: [[4, 1]] });
  const out = new Float64Array(1);
  const total = gmm.logDensities(Float64Array.of(3, 2), out);
  const expected = -Math.log(2 * Math.PI) - 0.5 * Math.log(4) - 0.5 * (4 / 4);
  assert.ok(Math.abs(total - expected) < 1e-12);
  assert.ok(Math.abs(out[0]! - expected) < 1e-12);
});

test("MAP adaptation moves the components that saw data, in proportion to how much", () => {
  const ubm = new DiagonalGmm(ubmWeights);
  const statistics = ubm.createStatistics();
  const scratch = new Float64Array(4);
  for (const frame of cloud(createRng(1), [1, 0.5], 200)) ubm.accumulate(frame, statistics, scratch);
  assert.is(statistics.frames, 200);
  const adapted = ubm.adaptMeans(statistics, 16);
  assert.ok(adapted[0]! > 0.8 && adapted[1]! > 0.3, "the nearby component moved towards the data");
  assert.ok(Math.abs(adapted[6]! - 4) < 0.2 && Math.abs(adapted[7]! - 4) < 0.2, "the far component barely moved");
});

test("the verifier scores the enrolled speaker's frames above an impostor's", () => {
  const rng = createRng(2);
  const ubm = new DiagonalGmm(ubmWeights);
  const statistics = ubm.createStatistics();
  const scratch = new Float64Array(4);
  for (const frame of [...cloud(rng, [0.8, 0.3], 100), ...cloud(rng, [4.5, 3.2], 100)]) ubm.accumulate(frame, statistics, scratch);
  const speaker = ubm.adaptMeans(statistics);
  const verifier = new GmmVerifier(ubm, 2);
  const mean = (frames: Float64Array[]) => frames.reduce((sum, frame) => sum + verifier.frameScore(frame, speaker), 0) / frames.length;
  const target = mean([...cloud(rng, [0.8, 0.3], 50), ...cloud(rng, [4.5, 3.2], 50)]);
  const impostor = mean([...cloud(rng, [-0.6, -0.4], 50), ...cloud(rng, [3.4, 4.8], 50)]);
  assert.ok(target > 0 && impostor < 0, `target ${target} impostor ${impostor}`);
  assert.is(verifier.frameScore(Float64Array.of(0, 0), ubm.means), 0, "the UBM against itself scores zero");
});

test("bestComponents finds exactly the top components a full evaluation ranks first", () => {
  const rng = createRng(6);
  const weights: GmmWeights = {
    weights: Array.from({ length: 32 }, () => 1 / 32),
    means: Array.from({ length: 32 }, () => Array.from({ length: 8 }, () => 4 * gaussian(rng))),
    variances: Array.from({ length: 32 }, () => Array.from({ length: 8 }, () => 0.5 + rng())),
  };
  const gmm = new DiagonalGmm(weights);
  const all = new Float64Array(32);
  const indices = new Int32Array(5);
  const values = new Float64Array(5);
  for (let trial = 0; trial < 50; trial++) {
    const frame = Float64Array.from({ length: 8 }, () => 4 * gaussian(rng));
    gmm.componentLogDensities(frame, all);
    const expected = Array.from(all.keys()).sort((a, b) => all[b]! - all[a]!).slice(0, 5);
    gmm.bestComponents(frame, 5, indices, values);
    assert.equal(Array.from(indices), expected);
    for (let i = 0; i < 5; i++) assert.ok(Math.abs(values[i]! - all[expected[i]!]!) < 1e-9);
  }
});

test("weights with wrong shapes or non-positive variances are rejected with reason bad_weights", () => {
  for (const broken of [{ ...ubmWeights, weights: [1] }, { ...ubmWeights, variances: [[1, 1], [1, 0], [1, 1], [1, 1]] }, { weights: [], means: [], variances: [] }]) {
    try {
      new DiagonalGmm(broken);
      assert.unreachable("accepted");
    } catch (error) {
      assert.instance(error, MediaParseError);
      assert.is((error as MediaParseError).reason, "bad_weights");
    }
  }
});

test.run();
