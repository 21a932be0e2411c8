import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, sine } from "../../media/signal-test-utils.ts";
import { RANDOM_CHANNEL, randomChannel } from "./random-channel.ts";

/** Power of `x` over [from, to). */
function power(x: ArrayLike<number>, from: number, to: number): number {
  let sum = 0;
  for (let n = from; n < to; n++) sum += x[n]! ** 2;
  return sum / (to - from);
}

test("the same seed gives the same channel, another seed another", () => {
  const clip = sine(440, 16000, 16000, 8000);
  assert.equal(randomChannel(clip, createRng(1)), randomChannel(clip, createRng(1)));
  assert.not.equal(randomChannel(clip, createRng(1)), randomChannel(clip, createRng(2)));
});

test("a tone keeps its frequency, within the filters' reach of its level, under a noise floor 25 to 50 dB down", () => {
  const frequency = 1000;
  const clip = sine(frequency, 16000, 16000, 8000);
  for (let seed = 1; seed <= 20; seed++) {
    const out = randomChannel(clip, createRng(seed));
    assert.is(out.length, clip.length);
    // Least-squares fit of the tone after the filters' transient; what is left is the noise.
    const from = 1600;
    let [ss, sc, cc, xs, xc] = [0, 0, 0, 0, 0];
    for (let n = from; n < out.length; n++) {
      const [s, c] = [Math.sin((2 * Math.PI * frequency * n) / 16000), Math.cos((2 * Math.PI * frequency * n) / 16000)];
      [ss, sc, cc, xs, xc] = [ss + s * s, sc + s * c, cc + c * c, xs + out[n]! * s, xc + out[n]! * c];
    }
    const det = ss * cc - sc * sc;
    const [a, b] = [(xs * cc - xc * sc) / det, (xc * ss - xs * sc) / det];
    const residual = Array.from(out, (v, n) => v - a * Math.sin((2 * Math.PI * frequency * n) / 16000) - b * Math.cos((2 * Math.PI * frequency * n) / 16000));
    const toneGainDb = 10 * Math.log10((a * a + b * b) / 2 / power(clip, from, clip.length));
    const snrDb = 10 * Math.log10(power(out, from, out.length) / power(residual, from, out.length));
    const reach = RANDOM_CHANNEL.filters * RANDOM_CHANNEL.maxGainDb;
    assert.ok(Math.abs(toneGainDb) <= reach, `seed ${seed}: tone ${toneGainDb.toFixed(1)} dB`);
    assert.ok(snrDb > RANDOM_CHANNEL.minSnrDb - 1 && snrDb < RANDOM_CHANNEL.maxSnrDb + 1, `seed ${seed}: noise ${snrDb.toFixed(1)} dB down`);
  }
});

test("digital silence stays silent: the noise floor follows the clip's own level", () => {
  assert.ok(randomChannel(new Int16Array(1600), createRng(3)).every((v) => v === 0));
});

test.run();
