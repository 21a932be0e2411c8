import { test } from "uvu";
import * as assert from "uvu/assert";
import { InbandDtmfDetector } from "./dtmf-detector.ts";
import { decodeMulaw, encodeMulaw } from "./g711.ts";
import { createRng, sine, whiteNoise } from "./signal-test-utils.ts";

const FREQUENCIES: Record<string, [number, number]> = {
  "1": [697, 1209], "2": [697, 1336], "3": [697, 1477], "A": [697, 1633],
  "4": [770, 1209], "5": [770, 1336], "6": [770, 1477], "B": [770, 1633],
  "7": [852, 1209], "8": [852, 1336], "9": [852, 1477], "C": [852, 1633],
  "*": [941, 1209], "0": [941, 1336], "#": [941, 1477], "D": [941, 1633],
};

function tone(key: string, rate: number, ms: number, amplitude = 6000): Int16Array {
  const length = Math.round((rate * ms) / 1000);
  const [low, high] = FREQUENCIES[key]!.map((frequency) => sine(frequency, rate, length, amplitude));
  return low!.map((sample, i) => sample + high![i]!);
}

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Everything a detector finds in `samples`, pushed 20 ms at a time. */
function detect(samples: Int16Array, rate: number) {
  const detector = new InbandDtmfDetector(rate);
  const found = [];
  for (let i = 0; i < samples.length; i += rate / 50) found.push(...detector.push(samples.subarray(i, i + rate / 50)));
  const last = detector.flush();
  return last ? [...found, last] : found;
}

for (const rate of [8000, 16000]) {
  test(`every key of the keypad is found at ${rate} Hz, in order, where its tone lies`, () => {
    const keys = Object.keys(FREQUENCIES);
    const gap = Math.round(rate * 0.1);
    const samples = concat(keys.flatMap((key) => [new Int16Array(gap), tone(key, rate, 100)]));
    const found = detect(samples, rate);
    assert.equal(found.map((key) => key.digit).join(""), keys.join(""));
    found.forEach((key, i) => {
      const start = gap + i * 2 * gap;
      const block = Math.round(rate * 0.0256);
      assert.ok(key.startSample >= start - block && key.startSample <= start + block, `${key.digit} starts at ${key.startSample}, its tone at ${start}`);
      assert.ok(key.endSample >= start + gap - block && key.endSample <= start + gap + block, `${key.digit} ends at ${key.endSample}`);
    });
  });
}

test("tones through a G.711 round trip with noise 20 dB below them are still found", () => {
  const rng = createRng(7);
  const keys = "4207#";
  const samples = concat([...keys].flatMap((key) => [new Int16Array(800), tone(key, 8000, 80)]));
  const noise = whiteNoise(rng, samples.length, 800);
  const noisy = decodeMulaw(encodeMulaw(samples.map((sample, i) => sample + noise[i]!)));
  assert.is(detect(noisy, 8000).map((key) => key.digit).join(""), keys);
});

test("what is not a key press is not taken for one: one tone alone, a voice-like harmonic sound, noise, a 20 ms blip, a quiet key", () => {
  const rng = createRng(3);
  const rate = 8000;
  const vowel = new Int16Array(rate);
  for (let harmonic = 1; harmonic <= 25; harmonic++) {
    const partial = sine(125 * harmonic, rate, rate, 4000 / harmonic);
    for (let i = 0; i < rate; i++) vowel[i] += partial[i]!;
  }
  const cases: Record<string, Int16Array> = {
    "one tone": sine(770, rate, rate, 8000),
    "harmonic sound": vowel,
    "noise": whiteNoise(rng, rate, 8000),
    "a 20 ms blip": concat([new Int16Array(400), tone("5", rate, 20), new Int16Array(400)]),
    "a quiet key": tone("5", rate, 200, 40),
  };
  for (const [name, samples] of Object.entries(cases)) assert.equal(detect(samples, rate), [], name);
});

test.run();
