import { test } from "uvu";
import * as assert from "uvu/assert";
import { extractFeatureFrames } from "../../media/dsp/features.ts";
import { syntheticUtterance } from "../../media/dsp/voice-test-utils.ts";
import { DEEPFAKE_FEATURE_NAMES } from "./features.ts";
import { channelFor, DeepfakeModel, loadDeepfakeWeights, thresholdAt } from "./model.ts";

test("the committed weights load and score an utterance on either channel's model", () => {
  const model = new DeepfakeModel();
  const frames = extractFeatureFrames(syntheticUtterance(8));
  for (const channel of ["wideband", "telephone"] as const) assert.ok(Number.isFinite(model.llr(frames, channel)), channel);
});

test("8 kHz codecs get the telephone model, and it reads no feature above the telephone band", () => {
  assert.is(channelFor(8000), "telephone");
  assert.is(channelFor(16000), "wideband");
  assert.is(channelFor(48000), "wideband");
  assert.ok(DEEPFAKE_FEATURE_NAMES.telephone.every((name) => !/^lfcc|^mfcc/.test(name)));
});

test("weights trained for other features are refused", () => {
  const weights = loadDeepfakeWeights();
  assert.throws(() => new DeepfakeModel({ ...weights, telephone: { ...weights.telephone, inputs: weights.telephone.inputs.slice(1) } }), /npm run train:deepfake/);
  assert.throws(() => new DeepfakeModel({ ...weights, format: 2 } as unknown as typeof weights), /npm run train:deepfake/);
});

test("a false-alarm rate between the recorded ones gets a threshold between theirs, on a log scale; beyond them, the nearest", () => {
  const curve = [{ falseAlarmRate: 0.001, threshold: 6 }, { falseAlarmRate: 0.01, threshold: 4 }, { falseAlarmRate: 0.1, threshold: 1 }];
  assert.is(thresholdAt(curve, 0.01), 4);
  assert.ok(Math.abs(thresholdAt(curve, Math.sqrt(0.001 * 0.01)) - 5) < 1e-9);
  assert.is(thresholdAt(curve, 0.0001), 6);
  assert.is(thresholdAt(curve, 0.5), 1);
});

test.run();
