import { test } from "uvu";
import * as assert from "uvu/assert";
import { applyWindow, hammingWindow, hannWindow } from "./window.ts";

test("a periodic Hann window starts at 0, peaks at 1 in the middle and overlap-adds to 1 at half hop", () => {
  const w = hannWindow(16);
  assert.is(w[0], 0);
  assert.ok(Math.abs(w[8]! - 1) < 1e-12);
  for (let n = 0; n < 8; n++) assert.ok(Math.abs(w[n]! + w[n + 8]! - 1) < 1e-12, `n=${n}`);
});

test("a Hamming window keeps 0.08 at its ends", () => {
  const w = hammingWindow(32);
  assert.ok(Math.abs(w[0]! - 0.08) < 1e-12);
  assert.ok(Math.abs(w[16]! - 1) < 1e-12);
});

test("applyWindow multiplies sample by sample into the output", () => {
  const out = applyWindow([2, 2, 2, 2], hannWindow(4), new Float64Array(4));
  assert.equal(Array.from(out, (x) => Math.round(x * 1e9) / 1e9), [0, 1, 2, 1]);
});

test.run();
