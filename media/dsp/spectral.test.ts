import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, sine, whiteNoise } from "../signal-test-utils.ts";
import { RealFft } from "./fft.ts";
import { spectralCentroid, spectralFlatness, spectralFlux, spectralRolloff } from "./spectral.ts";
import { applyWindow, hannWindow } from "./window.ts";

const fft = new RealFft(512);
function power(samples: Int16Array): Float64Array {
  const out = new Float64Array(fft.bins);
  fft.powerSpectrum(applyWindow(samples, hannWindow(512), new Float64Array(512)), out, new Float64Array(fft.bins), new Float64Array(fft.bins));
  return out;
}
const binHz = 16000 / 512;

test("a tone's centroid and roll-off sit at its frequency", () => {
  const p = power(sine(2000, 16000, 512));
  assert.ok(Math.abs(spectralCentroid(p, binHz) - 2000) < 20);
  assert.ok(Math.abs(spectralRolloff(p, binHz) - 2000) <= binHz);
  assert.ok(spectralCentroid(p, binHz, 32) < 1000, "limited to 1 kHz, the tone's leakage is all that is left");
});

test("flatness is near 0 for a tone and high for white noise", () => {
  assert.ok(spectralFlatness(power(sine(1000, 16000, 512)), 1) < 0.01);
  assert.ok(spectralFlatness(power(whiteNoise(createRng(2), 512)), 1) > 0.4);
});

test("flux is zero for a repeated spectrum, ignores loudness and grows with change", () => {
  const previous = new Float64Array(fft.bins);
  const a = power(sine(1000, 16000, 512));
  spectralFlux(a, previous);
  assert.ok(spectralFlux(a.map((x) => x * 4), previous) < 1e-12);
  assert.ok(spectralFlux(power(sine(3000, 16000, 512)), previous) > 0.1);
});

test("silent spectra give zeros, not NaN", () => {
  const silent = new Float64Array(fft.bins);
  assert.is(spectralCentroid(silent, binHz), 0);
  assert.is(spectralRolloff(silent, binHz), 0);
  assert.ok(Number.isFinite(spectralFlatness(silent)));
  assert.is(spectralFlux(silent, new Float64Array(fft.bins)), 0);
});

test.run();
