import { test } from "uvu";
import * as assert from "uvu/assert";
import { deltaDeviation, mean, percentile, quantiles, slope, standardDeviation } from "./functionals.ts";

test("mean, standard deviation and percentiles of a known sequence", () => {
  const values = [2, 4, 4, 4, 5, 5, 7, 9];
  assert.is(mean(values), 5);
  assert.is(standardDeviation(values), 2);
  assert.is(percentile(values, 0), 2);
  assert.is(percentile(values, 0.5), 5);
  assert.is(percentile(values, 1), 9);
  assert.equal(quantiles(values, [0, 0.5, 1]), [2, 5, 9]);
  assert.equal(values, [2, 4, 4, 4, 5, 5, 7, 9], "input untouched");
});

test("slope recovers a line and delta deviation measures frame-to-frame movement", () => {
  assert.ok(Math.abs(slope([0, 1, 2, 3], [1, 3, 5, 7]) - 2) < 1e-12);
  assert.is(deltaDeviation([1, 2, 3, 4, 5]), 0);
  assert.ok(deltaDeviation([0, 1, 0, 1, 0, 1]) > 0.9);
  assert.ok(Math.abs(deltaDeviation([0, 2, 2, 6]) - standardDeviation([2, 0, 4])) < 1e-12);
});

test("empty and constant inputs give zeros", () => {
  assert.is(mean([]), 0);
  assert.is(standardDeviation([3]), 0);
  assert.is(percentile([], 0.5), 0);
  assert.is(slope([1, 1], [2, 3]), 0);
});

test.run();
