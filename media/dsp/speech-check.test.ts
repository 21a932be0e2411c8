import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, sine, whiteNoise } from "../signal-test-utils.ts";
import { extractFeatureFrames } from "./features.ts";
import { checkSpeech } from "./speech-check.ts";
import { syntheticUtterance, syntheticVowel } from "./voice-test-utils.ts";

test("a few seconds of varied voiced speech is sufficient", () => {
  const check = checkSpeech(extractFeatureFrames(syntheticUtterance(8)));
  assert.ok(check.sufficient, check.reason);
  assert.ok(check.voicedMs > 1000);
});

test("silence, a tone, noise, clipping and a 200 ms utterance each say why they are not scored", () => {
  const cases: [string, Int16Array][] = [
    ["silence", new Int16Array(32000)],
    ["tone", sine(440, 16000, 32000, 12000)],
    ["noise", whiteNoise(createRng(5), 32000, 10000)],
    ["clipped", syntheticUtterance(8).map((x) => Math.max(-32768, Math.min(32767, x * 20)))],
    ["too_short", syntheticVowel({ f0: 150, endF0: 170, seconds: 0.2 })],
  ];
  for (const [reason, audio] of cases) {
    const check = checkSpeech(extractFeatureFrames(audio));
    assert.not.ok(check.sufficient, reason);
    assert.is(check.reason, reason);
  }
});

test("the minimum voiced duration is configurable", () => {
  const frames = extractFeatureFrames(syntheticUtterance(3));
  assert.ok(checkSpeech(frames, { minVoicedMs: 200 }).sufficient);
  assert.is(checkSpeech(frames, { minVoicedMs: 5000 }).reason, "too_short");
});

test.run();
