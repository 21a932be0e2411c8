import { test } from "uvu";
import * as assert from "uvu/assert";
import { EscalationTracker } from "./escalation.ts";

const angry = (score: number) => ({ neutral: 1 - score, happy: 0, sad: 0, angry: score });

test("fires once the class has stayed at or above the threshold for the duration", () => {
  const tracker = new EscalationTracker([{ label: "angry", threshold: 0.7, forMs: 5000 }]);
  assert.equal(tracker.update(angry(0.8), 1000, 3000), []);
  const fired = tracker.update(angry(0.9), 3000, 6500);
  assert.equal(fired, [{ label: "angry", score: 0.9, threshold: 0.7, sinceMs: 1000, durationMs: 5500 }]);
  assert.equal(tracker.update(angry(0.95), 6500, 9000), [], "once per episode");
});

test("dropping below the threshold resets the clock and re-arms the rule", () => {
  const tracker = new EscalationTracker([{ label: "angry", threshold: 0.7, forMs: 5000 }]);
  tracker.update(angry(0.8), 0, 4000);
  assert.equal(tracker.update(angry(0.5), 4000, 6000), []);
  assert.equal(tracker.update(angry(0.8), 6000, 9000), []);
  assert.is(tracker.update(angry(0.8), 9000, 11500).length, 1);
});

test.run();
