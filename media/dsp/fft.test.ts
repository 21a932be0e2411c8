import { test } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "../errors.ts";
import { createRng } from "../signal-test-utils.ts";
import { RealFft } from "./fft.ts";

function naiveDft(x: Float64Array): { re: Float64Array; im: Float64Array } {
  const n = x.length;
  const re = new Float64Array(n / 2 + 1);
  const im = new Float64Array(n / 2 + 1);
  for (let k = 0; k <= n / 2; k++) {
    for (let t = 0; t < n; t++) {
      re[k] = re[k]! + x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      im[k] = im[k]! - x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
  }
  return { re, im };
}

test("forward matches a direct DFT at every power-of-two size from 4 to 1024", () => {
  const rng = createRng(5);
  for (let size = 4; size <= 1024; size *= 2) {
    const x = Float64Array.from({ length: size }, () => rng() * 2 - 1);
    const fft = new RealFft(size);
    const re = new Float64Array(fft.bins);
    const im = new Float64Array(fft.bins);
    fft.forward(x, re, im);
    const expected = naiveDft(x);
    for (let k = 0; k < fft.bins; k++) {
      assert.ok(Math.abs(re[k]! - expected.re[k]!) < 1e-9 * size, `size ${size} bin ${k} re`);
      assert.ok(Math.abs(im[k]! - expected.im[k]!) < 1e-9 * size, `size ${size} bin ${k} im`);
    }
  }
});

test("inverse undoes forward", () => {
  const rng = createRng(9);
  const fft = new RealFft(256);
  const x = Float64Array.from({ length: 256 }, () => rng() * 1000 - 500);
  const re = new Float64Array(fft.bins);
  const im = new Float64Array(fft.bins);
  const back = new Float64Array(256);
  fft.forward(x, re, im);
  fft.inverse(re, im, back);
  for (let i = 0; i < 256; i++) assert.ok(Math.abs(back[i]! - x[i]!) < 1e-9, `sample ${i}`);
});

test("a shorter input is zero-padded and a sine lands in its bin", () => {
  const fft = new RealFft(64);
  const power = new Float64Array(fft.bins);
  const x = Float64Array.from({ length: 64 }, (_, i) => Math.sin((2 * Math.PI * 8 * i) / 64));
  fft.powerSpectrum(x, power, new Float64Array(fft.bins), new Float64Array(fft.bins));
  const peak = power.indexOf(Math.max(...power));
  assert.is(peak, 8);
  const short = new RealFft(8);
  const re = new Float64Array(5);
  const im = new Float64Array(5);
  short.forward([1, 1], re, im);
  assert.ok(Math.abs(re[0]! - 2) < 1e-12 && Math.abs(re[4]!) < 1e-12);
});

test("windowedPowerSpectrum is exactly the power spectrum of the samples multiplied by the window", () => {
  const rng = createRng(11);
  const fft = new RealFft(64);
  const samples = Int16Array.from({ length: 80 }, () => Math.round(rng() * 60000 - 30000));
  const window = Float64Array.from({ length: 64 }, () => rng());
  const windowed = Float64Array.from(window, (w, n) => samples[10 + n]! * w);
  const scratch = () => new Float64Array(fft.bins);
  const expected = scratch();
  const power = scratch();
  fft.powerSpectrum(windowed, expected, scratch(), scratch());
  fft.windowedPowerSpectrum(samples, 10, window, power, scratch(), scratch());
  assert.equal(Array.from(power), Array.from(expected));
});

test("sizes that are not a power of two at least 4 are rejected with reason bad_fft_size", () => {
  for (const size of [0, 2, 6, 100, 1.5]) {
    try {
      new RealFft(size);
      assert.unreachable(`size ${size} accepted`);
    } catch (error) {
      assert.instance(error, MediaParseError);
      assert.is((error as MediaParseError).reason, "bad_fft_size");
    }
  }
});

test.run();
