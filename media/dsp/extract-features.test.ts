import { firstValueFrom, from, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "../errors.ts";
import type { AudioFrame } from "../frame.ts";
import { extractFeatures } from "./extract-features.ts";
import { blocks, syntheticVowel } from "./voice-test-utils.ts";

function frames(samples: Int16Array, sampleRate = 16000): AudioFrame[] {
  return blocks(samples, sampleRate).map((block, seq) => ({ samples: block, sampleRate, timestamp: seq * 20, seq }));
}

test("a 16 kHz frame stream becomes one feature frame per 20 ms", async () => {
  const features = await firstValueFrom(from(frames(syntheticVowel({ f0: 160, seconds: 1 }))).pipe(extractFeatures(), toArray()));
  assert.is(features.length, 49);
  assert.ok(features.slice(2).every((frame) => Math.abs(frame.f0 - 160) < 2));
});

test("another sample rate is an error with reason bad_sample_rate", async () => {
  try {
    await firstValueFrom(from(frames(new Int16Array(800), 8000)).pipe(extractFeatures()));
    assert.unreachable("accepted 8 kHz");
  } catch (error) {
    assert.instance(error, MediaParseError);
    assert.is((error as MediaParseError).reason, "bad_sample_rate");
  }
});

test.run();
