import { test } from "uvu";
import * as assert from "uvu/assert";
import { RollingEstimate } from "./rolling-estimate.ts";

test("the estimate is the speech-weighted mean of the utterances in the window", () => {
  const rolling = new RollingEstimate(2, 10000);
  rolling.add(0, 1000, 1000, [1, 0]);
  rolling.add(2000, 5000, 3000, [0, 1]);
  const now = rolling.at(5000);
  assert.equal(Array.from(now.values), [0.25, 0.75]);
  assert.is(now.weight, 4000);
  assert.is(now.sinceMs, 0);
});

test("utterances that ended before the window are forgotten", () => {
  const rolling = new RollingEstimate(1, 10000);
  rolling.add(0, 1000, 1000, [1]);
  rolling.add(20000, 21000, 1000, [0.5]);
  assert.equal(Array.from(rolling.at(21000).values), [0.5]);
  const empty = rolling.at(60000);
  assert.is(empty.weight, 0);
  assert.equal(Array.from(empty.values), [0]);
  assert.ok(Number.isNaN(empty.sinceMs));
});

test.run();
