import { test } from "uvu";
import * as assert from "uvu/assert";
import { SpeakerBaseline } from "./speaker-baseline.ts";

test("utterances are described as standard scores against the speaker's own mean and spread", () => {
  const baseline = new SpeakerBaseline();
  for (const vector of [[100, 1], [110, 1], [120, 1]]) baseline.add(vector);
  assert.is(baseline.utterances, 3);
  const [pitch, constant] = baseline.normalise([130, 1]);
  assert.ok(Math.abs(pitch! - 20 / Math.sqrt(200 / 3)) < 1e-9);
  assert.is(constant, 0, "a feature that never varied scores 0, not infinity");
});

test("before any utterance every score is 0, and a missing value counts as the mean", () => {
  const baseline = new SpeakerBaseline();
  assert.equal(baseline.normalise([5, 6]), [0, 0]);
  baseline.add([1, 2]);
  baseline.add([3, Number.NaN]);
  assert.equal(baseline.normalise([2, 2]), [0, 0]);
});

test.run();
