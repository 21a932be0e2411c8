import { test } from "uvu";
import * as assert from "uvu/assert";
import { sine, toneAmplitude } from "../signal-test-utils.ts";
import { resampleClip, telephoneChannel } from "./telephone-channel.ts";

test("the telephone channel keeps the voice band, removes what lies above 4 kHz and keeps the timing", () => {
  const low = telephoneChannel(sine(1000, 16000, 16000, 8000));
  assert.is(low.length, 16000);
  assert.ok(Math.abs(toneAmplitude(low, 1000, 16000, 2000, 14000) - 8000) < 400);
  const high = telephoneChannel(sine(6000, 16000, 16000, 8000));
  assert.ok(toneAmplitude(high, 6000, 16000, 2000, 14000) < 50);
});

test("resampleClip lines the output up with the input and keeps the duration", () => {
  const input = sine(440, 8000, 8000, 10000);
  const up = resampleClip(input, 8000, 16000);
  assert.is(up.length, 16000);
  // Sample 2k of the output is sample k of the input.
  for (const k of [1000, 4000, 7000]) assert.ok(Math.abs(up[2 * k]! - input[k]!) < 300, `sample ${k}`);
  assert.is(resampleClip(input, 8000, 8000), input);
});

test.run();
