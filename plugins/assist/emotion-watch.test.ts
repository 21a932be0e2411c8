import { test } from "uvu";
import * as assert from "uvu/assert";
import { type AlertRules, type EmotionReading, EmotionWatch } from "./emotion-watch.ts";

const RULES: AlertRules = { labels: ["angry"], minScore: 0.6, valenceBelow: -0.5, scopes: ["utterance"], cooldownSeconds: 30, escalations: true };

function reading(label: string, score: number, valence = 0, scope = "utterance", status = "ok"): EmotionReading {
  return { scope, status, label, scores: { neutral: 0, happy: 0, sad: 0, angry: 0, [label]: score }, valence };
}

test("the turn to negative raises one alert; staying negative raises none", () => {
  const watch = new EmotionWatch(RULES);
  assert.is(watch.emotion(reading("neutral", 0.8), 0), undefined);
  assert.equal(watch.emotion(reading("angry", 0.75, -0.2), 1000), { reason: "negative_emotion", label: "angry", score: 0.75, valence: -0.2 });
  assert.is(watch.emotion(reading("angry", 0.9, -0.4), 2000), undefined, "still negative");
});

test("a low valence is negative whatever the label; a weak negative label is not", () => {
  assert.is(new EmotionWatch(RULES).emotion(reading("sad", 0.5, -0.6), 0)?.reason, "negative_emotion");
  assert.is(new EmotionWatch(RULES).emotion(reading("angry", 0.5, 0.1), 0), undefined);
});

test("calm again then negative again alerts again, but not within the cooldown", () => {
  const watch = new EmotionWatch(RULES);
  assert.ok(watch.emotion(reading("angry", 0.8), 0));
  watch.emotion(reading("neutral", 0.9), 5000);
  assert.is(watch.emotion(reading("angry", 0.8), 10_000), undefined, "within 30 s of the last alert");
  watch.emotion(reading("neutral", 0.9), 20_000);
  assert.ok(watch.emotion(reading("angry", 0.8), 40_000), "past the cooldown");
});

test("estimates with too little speech and scopes not followed are ignored; escalations alert when followed", () => {
  const watch = new EmotionWatch(RULES);
  assert.is(watch.emotion(reading("angry", 0.9, -0.9, "utterance", "insufficient_speech"), 0), undefined);
  assert.is(watch.emotion(reading("angry", 0.9, -0.9, "rolling"), 0), undefined);
  assert.equal(watch.escalation({ label: "angry", score: 0.8 }, 0), { reason: "escalation", label: "angry", score: 0.8 });
  assert.is(new EmotionWatch({ ...RULES, escalations: false }).escalation({ label: "angry", score: 0.8 }, 0), undefined);
});

test.run();
