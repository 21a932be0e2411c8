import { test } from "uvu";
import * as assert from "uvu/assert";
import { sine, toneAmplitude } from "../signal-test-utils.ts";
import { decimateHalfband, HALFBAND_REACH } from "./decimator.ts";

function decimate(samples: Int16Array): Float64Array {
  const input = Float64Array.from(samples);
  const count = Math.floor((input.length - 2 * HALFBAND_REACH) / 2);
  const out = new Float64Array(count);
  decimateHalfband(input, HALFBAND_REACH, count, out);
  return out;
}

test("a tone well inside the passband keeps its level at half the rate", () => {
  const out = decimate(sine(500, 16000, 3200, 10000));
  const amplitude = toneAmplitude(out, 500, 8000);
  assert.ok(Math.abs(amplitude - 10000) < 150, `amplitude ${amplitude}`);
});

test("a tone above the new Nyquist is suppressed instead of aliasing", () => {
  const out = decimate(sine(6500, 16000, 3200, 10000));
  assert.ok(toneAmplitude(out, 1500, 8000) < 300, "6.5 kHz would alias to 1.5 kHz");
});

test("outputs whose taps would reach past the block are zero, the others computed", () => {
  const input = new Float64Array(40).fill(1);
  const out = new Float64Array(20).fill(7);
  decimateHalfband(input, 1, 20, out);
  // Centres 1, 3, ... 39: only 11 to 27 have all 11 taps on each side inside the block.
  assert.equal(Array.from(out.slice(0, 5)), [0, 0, 0, 0, 0]);
  for (let j = 5; j <= 13; j++) assert.ok(Math.abs(out[j]! - 1) < 1e-9, `output ${j} is the DC gain`);
  assert.equal(Array.from(out.slice(14)), [0, 0, 0, 0, 0, 0]);
});

test.run();
