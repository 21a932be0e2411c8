import { test } from "uvu";
import * as assert from "uvu/assert";
import { extractFeatureFrames } from "../../media/dsp/features.ts";
import { syntheticUtterance } from "../../media/dsp/voice-test-utils.ts";
import { describe, EmotionModel, loadEmotionWeights } from "./model.ts";

test("the committed weights load and give class probabilities for an utterance", () => {
  const p = new EmotionModel().probabilities(extractFeatureFrames(syntheticUtterance(8)));
  assert.is(p.length, 4);
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-9);
});

test("arousal and valence follow the circumplex: angry is aroused and negative, sad calm and negative", () => {
  const angry = describe([0, 0, 0, 1]);
  assert.is(angry.label, "angry");
  assert.ok(angry.arousal > 0.5 && angry.valence < -0.5);
  const sad = describe([0, 0, 1, 0]);
  assert.ok(sad.arousal < 0 && sad.valence < 0);
  assert.equal(describe([1, 0, 0, 0]).scores, { neutral: 1, happy: 0, sad: 0, angry: 0 });
});

test("weights trained for other features are refused", () => {
  const weights = loadEmotionWeights();
  assert.throws(() => new EmotionModel({ ...weights, inputs: weights.inputs.slice(1) }), /npm run train:emotion/);
});

test.run();
