import { test } from "uvu";
import * as assert from "uvu/assert";
import { MediaParseError } from "../errors.ts";
import { LinearClassifier, type LinearClassifierWeights } from "./linear-classifier.ts";

const weights: LinearClassifierWeights = {
  classes: ["low", "high"],
  mean: [10, 0],
  scale: [2, 1],
  weights: [[-1, 0], [1, 0]],
  bias: [0, 0],
};

test("inputs are standardised before the linear scores and the softmax", () => {
  const classifier = new LinearClassifier(weights);
  const logits = classifier.logits([12, 5]);
  assert.equal(Array.from(logits), [-1, 1]);
  const p = classifier.probabilities([12, 5]);
  assert.ok(Math.abs(p[0]! + p[1]! - 1) < 1e-12);
  assert.ok(Math.abs(p[1]! - 1 / (1 + Math.exp(-2))) < 1e-12);
  assert.equal(Array.from(classifier.probabilities([10, 0])), [0.5, 0.5]);
});

test("a feature that is NaN or infinite reads as the training mean", () => {
  const classifier = new LinearClassifier(weights);
  assert.equal(Array.from(classifier.logits([Number.NaN, 3])), [-0, 0]);
  assert.equal(Array.from(classifier.logits([Infinity, 3])), [-0, 0]);
});

test("weights with inconsistent shapes are rejected with reason bad_weights", () => {
  for (const broken of [{ ...weights, bias: [0] }, { ...weights, scale: [1] }, { ...weights, weights: [[1, 0], [1]] }, { ...weights, classes: ["one"] }]) {
    try {
      new LinearClassifier(broken);
      assert.unreachable("accepted");
    } catch (error) {
      assert.is((error as MediaParseError).reason, "bad_weights");
    }
  }
});

test.run();
