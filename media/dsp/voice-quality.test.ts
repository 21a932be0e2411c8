import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng } from "../signal-test-utils.ts";
import { jitter, relativeAveragePerturbation, shimmer } from "./voice-quality.ts";

test("a steady or smoothly gliding sequence has no perturbation", () => {
  assert.is(jitter([0.01, 0.01, 0.01, 0.01]), 0);
  assert.ok(relativeAveragePerturbation([100, 101, 102, 103, 104]) < 1e-12);
});

test("perturbation grows with the size of the random wobble", () => {
  const rng = createRng(11);
  const wobble = (size: number) => Array.from({ length: 200 }, () => 100 * (1 + size * (rng() * 2 - 1)));
  const small = shimmer(wobble(0.01));
  const large = shimmer(wobble(0.05));
  assert.ok(small > 0 && large > 3 * small, `${small} vs ${large}`);
});

test("unvoiced frames (zeros) break runs instead of counting as perturbation", () => {
  assert.is(jitter([0.01, 0.01, 0, 0.02, 0.02, 0.02]), 0);
  assert.is(jitter([0, 0, 0]), 0);
  assert.is(jitter([]), 0);
});

test.run();
