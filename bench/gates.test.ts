import { test } from "uvu";
import * as assert from "uvu/assert";
import { BASELINE, evaluateGates, type Gate, GATES, gateName } from "./gates.ts";

const gate: Gate = { task: "ingest", baseline: "decode", limit: 1.25, why: "test" };

test("a gate's value is the task's mean divided by the baseline's", () => {
  const [result] = evaluateGates([gate], new Map([["ingest", 30], ["decode", 24]]));
  assert.is(result!.value, 1.25);
});

test("a ratio equal to the limit passes and one just above it fails", () => {
  assert.ok(evaluateGates([gate], new Map([["ingest", 125], ["decode", 100]]))[0]!.pass);
  assert.not.ok(evaluateGates([gate], new Map([["ingest", 125.01], ["decode", 100]]))[0]!.pass);
});

test("the pass decision uses the exact ratio, not the rounded value", () => {
  const [result] = evaluateGates([gate], new Map([["ingest", 1.250004], ["decode", 1]]));
  assert.is(result!.value, 1.25);
  assert.not.ok(result!.pass);
});

test("a missing task, a missing baseline or a zero baseline fails with a null value", () => {
  for (const means of [new Map([["decode", 10]]), new Map([["ingest", 10]]), new Map([["ingest", 10], ["decode", 0]]), new Map([["ingest", Number.NaN], ["decode", 10]])]) {
    const [result] = evaluateGates([gate], means);
    assert.equal(result, { name: "ingest / decode", value: null, limit: 1.25, pass: false });
  }
});

test("each result serializes as exactly name, value, limit and pass", () => {
  const json = JSON.parse(JSON.stringify(evaluateGates([gate], new Map([["ingest", 20], ["decode", 40]]))));
  assert.equal(json, [{ name: "ingest / decode", value: 0.5, limit: 1.25, pass: true }]);
});

test("every shipped gate compares against the Opus baseline with a positive limit, ingest at 1.25 at most", () => {
  assert.ok(GATES.length > 0);
  for (const shipped of GATES) {
    assert.is(shipped.baseline, BASELINE, gateName(shipped));
    assert.ok(shipped.limit > 0, gateName(shipped));
  }
  assert.ok(GATES.some((shipped) => shipped.task === "ingest.opus.16k" && shipped.limit <= 1.25));
});

test.run();
