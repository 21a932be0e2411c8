import { test } from "uvu";
import * as assert from "uvu/assert";
import { BASELINE, evaluateGates, type Gate, GATES, gateName, type TaskTimes } from "./gates.ts";

const gate: Gate = { task: "ingest", baseline: "decode", limit: 1.25, why: "test" };
const medianGate: Gate = { ...gate, statistic: "p50" };

/** Times where only the mean matters (the median set far off, so using it would show). */
function means(entries: [string, number][]): Map<string, TaskTimes> {
  return new Map(entries.map(([name, mean]) => [name, { mean, p50: mean * 1000 + 1 }]));
}

test("a gate's value is the task's mean divided by the baseline's", () => {
  const [result] = evaluateGates([gate], means([["ingest", 30], ["decode", 24]]));
  assert.is(result!.value, 1.25);
});

test("a p50 gate divides the medians and ignores the means", () => {
  const times = new Map<string, TaskTimes>([["ingest", { mean: 90, p50: 20 }], ["decode", { mean: 10, p50: 16 }]]);
  const [result] = evaluateGates([medianGate], times);
  assert.equal(result, { name: "ingest / decode (p50)", value: 1.25, limit: 1.25, pass: true });
  assert.not.ok(evaluateGates([gate], times)[0]!.pass, "the same times fail on their means");
});

test("a ratio equal to the limit passes and one just above it fails", () => {
  assert.ok(evaluateGates([gate], means([["ingest", 125], ["decode", 100]]))[0]!.pass);
  assert.not.ok(evaluateGates([gate], means([["ingest", 125.01], ["decode", 100]]))[0]!.pass);
});

test("the pass decision uses the exact ratio, not the rounded value", () => {
  const [result] = evaluateGates([gate], means([["ingest", 1.250004], ["decode", 1]]));
  assert.is(result!.value, 1.25);
  assert.not.ok(result!.pass);
});

test("a missing task, a missing baseline or a zero baseline fails with a null value", () => {
  for (const entries of [[["decode", 10]], [["ingest", 10]], [["ingest", 10], ["decode", 0]], [["ingest", Number.NaN], ["decode", 10]]] as [string, number][][]) {
    const [result] = evaluateGates([gate], means(entries));
    assert.equal(result, { name: "ingest / decode", value: null, limit: 1.25, pass: false });
  }
});

test("each result serializes as exactly name, value, limit and pass", () => {
  const json = JSON.parse(JSON.stringify(evaluateGates([gate], means([["ingest", 20], ["decode", 40]]))));
  assert.equal(json, [{ name: "ingest / decode", value: 0.5, limit: 1.25, pass: true }]);
});

test("every shipped gate is anchored to the Opus baseline, directly or through a task gated against it", () => {
  assert.ok(GATES.length > 0);
  // A chain of gates reaches the Opus baseline: ingest against the decode, WebRTC against ingest, ...
  const anchored = new Set([BASELINE]);
  for (let grown = true; grown;) {
    grown = false;
    for (const shipped of GATES) if (anchored.has(shipped.baseline) && !anchored.has(shipped.task)) grown = anchored.add(shipped.task).size > 0;
  }
  for (const shipped of GATES) {
    assert.ok(anchored.has(shipped.baseline), gateName(shipped));
    assert.ok(shipped.limit > 0, gateName(shipped));
  }
  assert.ok(GATES.some((shipped) => shipped.task === "ingest.opus.16k" && shipped.baseline === BASELINE && shipped.limit <= 1.25));
});

test("WebRTC ingest is gated against plain RTP ingest", () => {
  assert.ok(GATES.some((shipped) => shipped.task === "webrtc.ingest.opus.16k" && shipped.baseline === "ingest.opus.16k"));
});

test.run();
