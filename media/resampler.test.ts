import { suite } from "uvu";
import * as assert from "uvu/assert";
import { createResampler } from "./resampler.ts";
import type { Resampler } from "./resampler.ts";
import { bestLag, chirp, createRng, gainDb, sine, snrDb, toneAmplitude, whiteNoise } from "./signal-test-utils.ts";

const resampler = suite("resampler");

const TELEPHONY_PAIRS: [number, number][] = [
  [8000, 16000],
  [16000, 8000],
  [48000, 16000],
  [16000, 48000],
  [48000, 8000],
  [8000, 48000],
];

/** Runs `input` through `r` in 20 ms frames and joins the output. */
function inFrames(r: Resampler, input: Int16Array): Int16Array {
  const frame = r.fromRate / 50;
  const parts: Int16Array[] = [];
  for (let i = 0; i < input.length; i += frame) parts.push(r.process(input.subarray(i, i + frame)));
  return join(parts);
}

function join(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

/** Level in dB (relative to `amplitude`) of the `frequency` component of the settled output. */
function levelDb(output: Int16Array, frequency: number, sampleRate: number, amplitude: number): number {
  return 20 * Math.log10(toneAmplitude(output, frequency, sampleRate, output.length / 4) / amplitude);
}

resampler("every 20 ms frame gives exactly 20 ms of output, call after call", () => {
  for (const [from, to] of [...TELEPHONY_PAIRS, [44100, 16000], [16000, 44100], [44100, 48000]]) {
    const r = createResampler(from!, to!);
    const frame = whiteNoise(createRng(from! + to!), from! / 50);
    for (let call = 0; call < 50; call++) assert.is(r.process(frame).length, to! / 50, `${from} -> ${to}, call ${call}`);
  }
});

resampler("the output of noise lines up with the input after delayMs, a whole number of samples", () => {
  for (const [from, to] of TELEPHONY_PAIRS.filter(([from, to]) => from < to)) {
    const noise = whiteNoise(createRng(from + to), from / 5);
    const up = createResampler(from, to);
    const down = createResampler(to, from);
    const output = inFrames(down, inFrames(up, noise));
    const delay = ((up.delayMs + down.delayMs) * from) / 1000;
    assert.ok(Number.isInteger(delay) && Number.isInteger((up.delayMs * to) / 1000), `${from} <-> ${to}`);
    assert.is(bestLag(noise, output, 200, 0).lag, delay, `${from} <-> ${to}`);
  }
});

resampler("the delays are the documented 2.5 ms (8 kHz pairs) and 1.25 ms (16 <-> 48 kHz)", () => {
  const delays = TELEPHONY_PAIRS.map(([from, to]) => createResampler(from, to).delayMs);
  assert.equal(delays, [2.5, 2.5, 1.25, 1.25, 2.5, 2.5]);
});

resampler("a 1 kHz tone through 8k -> 16k -> 8k keeps its level (0.5 dB) and an SNR above 40 dB", () => {
  const tone = sine(1000, 8000, 8000, 12000);
  const up = createResampler(8000, 16000);
  const down = createResampler(16000, 8000);
  const output = inFrames(down, inFrames(up, tone));
  const lag = ((up.delayMs + down.delayMs) * 8000) / 1000;
  const settled = tone.subarray(800, 7000);
  const aligned = output.subarray(800 + lag, 7000 + lag);
  assert.ok(Math.abs(gainDb(settled, aligned)) < 0.5);
  assert.ok(snrDb(settled, aligned) > 40);
});

resampler("a 1 kHz tone through 48k -> 16k keeps its level (0.5 dB) and an SNR above 40 dB", () => {
  const r = createResampler(48000, 16000);
  const output = inFrames(r, sine(1000, 48000, 48000, 12000));
  const ideal = sine(1000, 16000, 16000, 12000);
  const lag = (r.delayMs * 16000) / 1000;
  const settled = ideal.subarray(1600, 14000);
  const aligned = output.subarray(1600 + lag, 14000 + lag);
  assert.ok(Math.abs(gainDb(settled, aligned)) < 0.5);
  assert.ok(snrDb(settled, aligned) > 40);
});

resampler("delayMs is the true delay: the output matches the input shifted by exactly that much", () => {
  for (const [from, to] of [...TELEPHONY_PAIRS, [44100, 16000]] as [number, number][]) {
    const r = createResampler(from, to);
    const output = r.process(sine(700, from, from / 2, 12000));
    const ideal = sine(700, to, to / 2, 12000, (-2 * Math.PI * 700 * r.delayMs) / 1000);
    assert.ok(snrDb(ideal.subarray(to / 20), output.subarray(to / 20)) > 50, `${from} -> ${to}`);
  }
});

resampler("the passband is flat within 0.1 dB up to 0.8 of the lower Nyquist frequency", () => {
  for (const [from, to] of TELEPHONY_PAIRS) {
    const nyquist = Math.min(from, to) / 2;
    for (const fraction of [0.05, 0.3, 0.55, 0.8]) {
      const frequency = fraction * nyquist;
      const output = createResampler(from, to).process(sine(frequency, from, from / 5, 10000));
      assert.ok(Math.abs(levelDb(output, frequency, to, 10000)) < 0.1, `${from} -> ${to} at ${frequency} Hz`);
    }
  }
});

resampler("a 7 kHz tone resampled from 48k to 8k is attenuated by more than 60 dB", () => {
  const r = createResampler(48000, 8000);
  const output = r.process(sine(7000, 48000, 24000, 16000));
  // 7 kHz would alias to 1 kHz at 8 kHz: measure everything that came out.
  assert.ok(gainDb(sine(7000, 48000, 24000, 16000), output.subarray(400)) < -60);
  assert.ok(levelDb(output, 1000, 8000, 16000) < -60);
});

/**
 * The highest level, in dB against the input tone, of anything `from` -> `to` lets through from
 * the lower Nyquist frequency up to the output's: input tones are swept so that their aliases
 * (downsampling) or images (upsampling) land every 1/`points` of the lower Nyquist frequency.
 */
function worstStopBandDb(from: number, to: number, points: number): number {
  const nyquist = Math.min(from, to) / 2;
  const step = nyquist / points;
  const amplitude = 32000;
  let worst = -Infinity;
  for (let frequency = (from > to ? nyquist : 0) + step / 2; frequency < from / 2; frequency += step) {
    const leaks: number[] = [];
    if (from > to) leaks.push(Math.abs(((frequency + nyquist) % to) - nyquist));
    for (let k = 1; k * from - frequency < to / 2; k++) leaks.push(...[k * from - frequency, k * from + frequency].filter((image) => image < to / 2));
    const output = createResampler(from, to).process(sine(frequency, from, from / 4, amplitude));
    for (const leak of leaks) worst = Math.max(worst, levelDb(output, leak, to, amplitude));
  }
  return worst;
}

resampler("stop band: every alias and image from the lower Nyquist frequency on is at least 64 dB down", () => {
  // The filter's side lobes are about 1/20 of the lower Nyquist frequency wide: 400 points see
  // each peak within 0.05 dB (the measured worst is -64.55 to -64.84 dB). 48 <-> 8 kHz, five
  // times the work to sweep, is swept at 100 points, which sees each peak within 0.5 dB.
  const sweeps: [number, number, number][] = [[8000, 16000, 400], [16000, 8000, 400], [48000, 16000, 400], [16000, 48000, 400], [48000, 8000, 100], [8000, 48000, 100]];
  for (const [from, to, points] of sweeps) {
    const worst = worstStopBandDb(from, to, points);
    assert.ok(worst < -64, `${from} -> ${to}: ${worst.toFixed(2)} dB`);
  }
});

resampler("processing frame by frame, or in blocks of any size, equals processing in one piece", () => {
  const rng = createRng(99);
  for (const [from, to] of [...TELEPHONY_PAIRS, [44100, 16000], [16000, 44100]] as [number, number][]) {
    const input = chirp(50, Math.min(from, to) / 2, from, from);
    const whole = createResampler(from, to).process(input);
    assert.equal(inFrames(createResampler(from, to), input), whole, `${from} -> ${to} in 20 ms frames`);
    const r = createResampler(from, to);
    const parts: Int16Array[] = [];
    for (let i = 0; i < input.length; ) {
      const length = Math.floor(rng() * 300);
      parts.push(r.process(input.subarray(i, i + length)));
      i += length;
    }
    assert.equal(join(parts), whole, `${from} -> ${to} in random blocks`);
  }
});

resampler("reset forgets the past: the output equals a fresh resampler's", () => {
  const noise = whiteNoise(createRng(5), 960);
  const used = createResampler(48000, 16000);
  used.process(noise);
  used.process(noise.subarray(0, 7));
  used.reset();
  assert.equal(used.process(noise), createResampler(48000, 16000).process(noise));
});

resampler("clips a full-scale overshoot instead of wrapping around", () => {
  // A band-limited square overshoots (Gibbs): at full scale it must saturate, exactly where
  // the same square at half scale, doubled, goes beyond the 16-bit range.
  const square = (peak: number) => Int16Array.from({ length: 4800 }, (_, i) => (Math.floor(i / 240) % 2 ? -peak : peak));
  const half = createResampler(48000, 16000).process(square(16383));
  const full = createResampler(48000, 16000).process(square(32766));
  assert.ok(Math.max(...half) * 2 > 32767, "the test signal overshoots");
  for (let i = 0; i < full.length; i++) {
    const expected = Math.max(-32768, Math.min(32767, 2 * half[i]!));
    assert.ok(Math.abs(full[i]! - expected) <= 2, `sample ${i}: ${full[i]} instead of ${expected}`);
  }
});

resampler("equal rates pass a copy through with no delay", () => {
  const r = createResampler(16000, 16000);
  const frame = whiteNoise(createRng(6), 320);
  const output = r.process(frame);
  assert.equal(output, frame);
  assert.is.not(output, frame);
  assert.is(r.delayMs, 0);
  assert.is(r.toRate, 16000);
});

resampler("refuses rates that are not positive integers, or a ratio needing a huge filter", () => {
  for (const [from, to] of [[0, 8000], [8000, -1], [8000.5, 16000], [Number.NaN, 8000], [44100, 44101]]) {
    assert.throws(() => createResampler(from!, to!), RangeError);
  }
});

resampler("outputs kept by the caller are never changed by later calls, across many slabs of outputs", () => {
  const stream = createResampler(8000, 16000);
  const rng = createRng(7);
  const kept: Int16Array[] = [];
  const copies: Int16Array[] = [];
  for (let frame = 0; frame < 200; frame++) {
    const output = stream.process(whiteNoise(rng, 160));
    kept.push(output);
    copies.push(output.slice());
  }
  for (let frame = 0; frame < kept.length; frame++) assert.equal(kept[frame], copies[frame], `frame ${frame} changed`);
});

resampler("digital silence between bursts of noise, which skips the filter, gives what processing in one piece gives", () => {
  for (const [from, to] of TELEPHONY_PAIRS) {
    const frame = from / 50;
    const noise = whiteNoise(createRng(from + to), frame * 3, 8000);
    // Noise, four silent frames (the filter's tail, then frames that skip it), noise, a silent frame.
    const input = join([noise, new Int16Array(frame * 4), noise, new Int16Array(frame)]);
    const framed = inFrames(createResampler(from, to), input);
    assert.equal(framed, createResampler(from, to).process(input), `${from} -> ${to}`);
    // Silent blocks shorter than the filter's history leave noise in it: they must not skip the filter.
    const small = createResampler(from, to);
    const blocks: Int16Array[] = [];
    for (let i = 0; i < input.length; i += 5) blocks.push(small.process(input.subarray(i, i + 5)));
    assert.equal(join(blocks), createResampler(from, to).process(input), `${from} -> ${to} in blocks of 5`);
    // A resampler fresh or reset starts quiet: silence first, then noise, also equals one piece.
    const late = join([new Int16Array(frame * 2), noise]);
    const reset = createResampler(from, to);
    reset.process(noise);
    reset.reset();
    assert.equal(inFrames(reset, late), createResampler(from, to).process(late), `${from} -> ${to} after reset`);
  }
});

resampler.run();
