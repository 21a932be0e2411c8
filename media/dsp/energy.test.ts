import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, sine, whiteNoise } from "../signal-test-utils.ts";
import { levelDb, measureLevels, rmsOf, SILENCE_DB } from "./energy.ts";

test("a sine measures its RMS, peak and zero-crossing rate", () => {
  const tone = sine(1000, 16000, 1600, 10000);
  const levels = measureLevels(tone);
  assert.ok(Math.abs(levels.rms - 10000 / Math.SQRT2) < 20);
  assert.ok(Math.abs(levels.peak - 10000) <= 1);
  assert.ok(Math.abs(levels.zeroCrossingRate - 2000 / 16000) < 0.01);
  assert.is(levels.clipped, 0);
});

test("zero crossings are sign changes between non-zero samples, at full scale too", () => {
  const levels = measureLevels(Int16Array.from([5, 0, -3, 0, 0, 4, -32768, 32767, 1]));
  assert.is(levels.zeroCrossingRate, 4 / 8);
  assert.is(levels.peak, 32768);
});

test("full-scale samples count as clipped, and only the measured range counts", () => {
  const samples = new Int16Array(100);
  for (let i = 50; i < 75; i++) samples[i] = i % 2 ? 32767 : -32768;
  assert.is(measureLevels(samples, 50, 100).clipped, 0.5);
  assert.is(measureLevels(samples, 0, 50).clipped, 0);
});

test("levels are dBFS: full scale is 0 dB, silence is the floor", () => {
  assert.ok(Math.abs(levelDb(32768)) < 1e-9);
  assert.ok(Math.abs(levelDb(3276.8) + 20) < 1e-9);
  assert.is(levelDb(0), SILENCE_DB);
  assert.is(measureLevels(new Int16Array(0)).rms, 0);
});

test("rmsOf gives exactly the RMS measureLevels gives, on any range", () => {
  const samples = whiteNoise(createRng(9), 2000, 32767);
  for (const [from, to] of [[0, 2000], [3, 515], [7, 10], [5, 5]] as const) assert.is(rmsOf(samples, from, to), measureLevels(samples, from, to).rms);
});

test.run();
