import { test } from "uvu";
import * as assert from "uvu/assert";
import { hzToMel, linearFilterbank, melFilterbank, melToHz } from "./filterbank.ts";

const options = { fftSize: 512, sampleRate: 16000, bands: 40, lowHz: 20, highHz: 8000 };

test("mel and Hz convert back and forth, and 1000 Hz is about 1000 mel", () => {
  for (const hz of [0, 100, 1000, 7999]) assert.ok(Math.abs(melToHz(hzToMel(hz)) - hz) < 1e-6);
  assert.ok(Math.abs(hzToMel(1000) - 1000) < 1);
});

test("mel band centres rise and widen; linear ones are evenly spaced", () => {
  const mel = melFilterbank(options);
  const linear = linearFilterbank({ ...options, lowHz: 0 });
  for (let b = 1; b < 40; b++) assert.ok(mel.centersHz[b]! > mel.centersHz[b - 1]!);
  assert.ok(mel.widths[35]! > mel.widths[3]! * 3);
  const step = linear.centersHz[1]! - linear.centersHz[0]!;
  assert.ok(Math.abs(linear.centersHz[30]! - linear.centersHz[29]! - step) < 1e-9);
});

test("the energy of one bin goes to the bands whose triangles cover it", () => {
  const bank = melFilterbank(options);
  const power = new Float64Array(257);
  const bin = 64; // 2000 Hz
  power[bin] = 1;
  const bands = bank.apply(power, new Float64Array(40));
  const loudest = bands.indexOf(Math.max(...bands));
  assert.ok(Math.abs(bank.centersHz[loudest]! - 2000) < 200);
  assert.ok(bands.filter((x) => x > 0).length <= 2);
});

test.run();
