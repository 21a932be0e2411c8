import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng } from "../signal-test-utils.ts";
import { Cepstrum, Dct } from "./cepstrum.ts";
import { melFilterbank } from "./filterbank.ts";

test("the full orthonormal DCT preserves energy", () => {
  const rng = createRng(3);
  const input = Float64Array.from({ length: 24 }, () => rng() - 0.5);
  const out = new Float64Array(24);
  new Dct(24, 24).apply(input, out);
  const energy = (v: Float64Array) => v.reduce((sum, x) => sum + x * x, 0);
  assert.ok(Math.abs(energy(input) - energy(out)) < 1e-12);
});

test("each coefficient is the sum over the inputs in order, for even and odd coefficient counts", () => {
  const rng = createRng(4);
  const input = Float64Array.from({ length: 27 }, () => rng() - 0.5);
  for (const outputs of [16, 5, 1]) {
    const out = new Float64Array(outputs);
    new Dct(27, outputs).apply(input, out);
    for (let k = 0; k < outputs; k++) {
      const scale = Math.sqrt((k === 0 ? 1 : 2) / 27);
      let sum = 0;
      for (let n = 0; n < 27; n++) sum += scale * Math.cos((Math.PI * k * (n + 0.5)) / 27) * input[n]!;
      assert.is(out[k], sum, `c${k} of ${outputs}`);
    }
  }
});

test("a gain change moves only c0, by log(gain^2) times sqrt(bands)", () => {
  const cepstrum = new Cepstrum(melFilterbank({ fftSize: 512, sampleRate: 16000, bands: 40, lowHz: 20, highHz: 8000 }), 13);
  const rng = createRng(8);
  const power = Float64Array.from({ length: 257 }, () => 1 + rng() * 100);
  const a = new Float32Array(13);
  const b = new Float32Array(13);
  cepstrum.compute(power, a);
  cepstrum.compute(power.map((x) => x * 4), b);
  assert.ok(Math.abs(b[0]! - a[0]! - Math.log(4) * Math.sqrt(40)) < 1e-3);
  for (let k = 1; k < 13; k++) assert.ok(Math.abs(b[k]! - a[k]!) < 1e-3, `c${k}`);
  assert.is(cepstrum.logBands.length, 40);
});

test("silent spectra give finite cepstra", () => {
  const cepstrum = new Cepstrum(melFilterbank({ fftSize: 512, sampleRate: 16000, bands: 40, lowHz: 20, highHz: 8000 }), 13);
  const out = new Float32Array(13);
  cepstrum.compute(new Float64Array(257), out);
  assert.ok(out.every(Number.isFinite));
});

test.run();
