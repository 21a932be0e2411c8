import { suite } from "uvu";
import * as assert from "uvu/assert";
import {
  bestLag,
  chirp,
  createRng,
  gainDb,
  normalizedCrossCorrelation,
  randomBytes,
  rms,
  sine,
  snrDb,
  toneAmplitude,
  whiteNoise,
} from "./signal-test-utils.ts";

const utils = suite("signal-test-utils");

utils("the generator repeats its sequence for the same seed and differs for another", () => {
  const a = createRng(7);
  const b = createRng(7);
  const c = createRng(8);
  const first = Array.from({ length: 5 }, a);
  assert.equal(Array.from({ length: 5 }, b), first);
  assert.not.equal(Array.from({ length: 5 }, c), first);
  for (const value of first) assert.ok(value >= 0 && value < 1);
});

utils("random bytes cover the whole byte range", () => {
  const bytes = randomBytes(createRng(1), 4096);
  assert.is(bytes.length, 4096);
  assert.is(Math.min(...bytes), 0);
  assert.is(Math.max(...bytes), 255);
});

utils("a sine has the RMS of amplitude / sqrt 2 and starts at its phase", () => {
  const tone = sine(1000, 8000, 8000, 10000);
  assert.ok(Math.abs(rms(tone) - 10000 / Math.SQRT2) < 1);
  assert.is(sine(1000, 8000, 4, 10000, Math.PI / 2)[0], 10000);
});

utils("a chirp sweeps: its energy moves from the start frequency to the end one", () => {
  const sweep = chirp(500, 3000, 8000, 8000, 10000);
  const head = [0, 800] as const;
  const tail = [7200, 8000] as const;
  assert.ok(toneAmplitude(sweep, 600, 8000, ...head) > toneAmplitude(sweep, 2900, 8000, ...head) * 10);
  assert.ok(toneAmplitude(sweep, 2900, 8000, ...tail) > toneAmplitude(sweep, 600, 8000, ...tail) * 10);
});

utils("white noise stays within its amplitude and has the RMS of a uniform distribution", () => {
  const noise = whiteNoise(createRng(3), 20000, 3000);
  assert.ok(Math.max(...noise) <= 3000 && Math.min(...noise) >= -3000);
  assert.ok(Math.abs(rms(noise) - 3000 / Math.sqrt(3)) < 30);
});

utils("toneAmplitude reads a sine's amplitude and ignores a tone far away", () => {
  const mix = sine(1000, 16000, 3200, 8000).map((x, i) => x + Math.round(3000 * Math.sin((2 * Math.PI * 5000 * i) / 16000)));
  assert.ok(Math.abs(toneAmplitude(mix, 1000, 16000) - 8000) < 8);
  assert.ok(Math.abs(toneAmplitude(mix, 5000, 16000) - 3000) < 8);
  assert.ok(toneAmplitude(mix, 3000, 16000) < 1);
});

utils("gainDb reports a halving as -6 dB", () => {
  const tone = sine(440, 8000, 800, 10000);
  assert.ok(Math.abs(gainDb(tone, tone.map((x) => x / 2)) + 6.02) < 0.01);
});

utils("snrDb is infinite for a copy, about 20 dB for a tenth-amplitude error, and honours the lag", () => {
  const tone = sine(440, 8000, 800, 10000);
  assert.is(snrDb(tone, tone), Infinity);
  const noisy = tone.map((x, i) => x + (i % 2 ? 1000 : -1000));
  assert.ok(Math.abs(snrDb(tone, noisy) - 20 * Math.log10(10000 / Math.SQRT2 / 1000)) < 0.1);
  const delayed = new Int16Array(810);
  delayed.set(tone, 10);
  assert.ok(snrDb(tone, delayed, 10) === Infinity);
  assert.ok(snrDb(tone, delayed, 0) < 10);
});

utils("normalised cross-correlation is 1 for a scaled copy, -1 for an inverted one, 0 against silence", () => {
  const noise = whiteNoise(createRng(4), 1000);
  assert.ok(Math.abs(normalizedCrossCorrelation(noise, noise.map((x) => x / 4)) - 1) < 1e-3);
  assert.ok(Math.abs(normalizedCrossCorrelation(noise, noise.map((x) => -x)) + 1) < 1e-9);
  assert.is(normalizedCrossCorrelation(noise, new Int16Array(1000)), 0);
});

utils("bestLag finds a delay and an advance of a noise signal", () => {
  const noise = whiteNoise(createRng(5), 2000);
  const delayed = new Int16Array(2000);
  delayed.set(noise.subarray(0, 1963), 37);
  const found = bestLag(noise, delayed, 50);
  assert.is(found.lag, 37);
  assert.ok(Math.abs(found.correlation - 1) < 1e-9);
  const advanced = noise.slice(12);
  assert.is(bestLag(noise, advanced, 50).lag, -12);
  assert.is(bestLag(noise, delayed, 50, 40).lag, 40); // the search stays inside its bounds
});

utils.run();
