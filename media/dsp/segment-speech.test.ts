import { firstValueFrom, from, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { extractFeatureFrames } from "./features.ts";
import { segmentSpeech } from "./segment-speech.ts";
import { concat, pause, syntheticUtterance } from "./voice-test-utils.ts";

test("segments are emitted as they end, and the one in progress when the stream completes", async () => {
  const features = extractFeatureFrames(concat(pause(0.3), syntheticUtterance(4), pause(1), syntheticUtterance(4, 180)));
  const segments = await firstValueFrom(from(features).pipe(segmentSpeech(), toArray()));
  assert.is(segments.length, 2);
  assert.ok(segments[1]!.endMs > segments[1]!.startMs + 500);
});

test.run();
