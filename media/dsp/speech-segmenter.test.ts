import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, whiteNoise } from "../signal-test-utils.ts";
import { extractFeatureFrames } from "./features.ts";
import { type SpeechSegment, SpeechSegmenter } from "./speech-segmenter.ts";
import { concat, pause, syntheticUtterance, syntheticVowel } from "./voice-test-utils.ts";

function segment(samples: Int16Array, segmenter = new SpeechSegmenter()): SpeechSegment[] {
  const out: SpeechSegment[] = [];
  for (const frame of extractFeatureFrames(samples)) segmenter.push(frame, (s) => out.push(s));
  segmenter.flush((s) => out.push(s));
  return out;
}

test("utterances separated by pauses become one segment each, with their times", () => {
  const audio = concat(pause(0.5, 16000, 20), syntheticUtterance(5), pause(1, 16000, 20), syntheticUtterance(4, 200), pause(0.6, 16000, 20));
  const segments = segment(audio);
  assert.is(segments.length, 2);
  assert.ok(Math.abs(segments[0]!.startMs - 500) < 80, `start ${segments[0]!.startMs}`);
  assert.ok(segments[1]!.startMs > segments[0]!.endMs + 500);
  assert.ok(segments.every((s) => !s.truncated && s.speechFrames > 20));
});

test("a stream that starts mid-word still gets its first utterance", () => {
  const segments = segment(concat(syntheticUtterance(3), pause(0.6)));
  assert.is(segments.length, 1);
});

test("steady noise and silence make no segments", () => {
  assert.is(segment(whiteNoise(createRng(3), 16000 * 6, 3000)).length, 0);
  assert.is(segment(new Int16Array(16000 * 2)).length, 0);
});

test("long speech is cut at the maximum length and flagged truncated", () => {
  const long = syntheticVowel({ f0: 120, endF0: 160, seconds: 3.5 });
  const segments = segment(concat(pause(0.3), long), new SpeechSegmenter({ maxSegmentMs: 1000 }));
  assert.ok(segments.length >= 3);
  assert.ok(segments[0]!.truncated);
  assert.ok(Math.abs(segments[0]!.endMs - segments[0]!.startMs - 1000) <= 40);
});

test("a click shorter than the minimum speech is dropped", () => {
  const click = syntheticVowel({ f0: 150, seconds: 0.06 });
  assert.is(segment(concat(pause(0.5), click, pause(1))).length, 0);
});

test.run();
