import { test } from "uvu";
import * as assert from "uvu/assert";
import { eventSchema, registerEventSchema, serializeEvent } from "./events.ts";

test("built-in events serialize through their compiled schema", () => {
  const json = serializeEvent({ type: "dtmf", sessionId: "s", ts: 1, source: "rtp", digit: "5", durationMs: 100 } as never);
  assert.equal(JSON.parse(json), { type: "dtmf", sessionId: "s", ts: 1, source: "rtp", digit: "5", durationMs: 100 });
});

test("a registered schema gets the envelope and drops undeclared fields", () => {
  registerEventSchema("test.scored", { properties: { score: { type: "number" } }, required: ["score"] });
  const schema = eventSchema("test.scored") as { required: string[] };
  assert.equal(schema.required, ["type", "sessionId", "ts", "source", "score"]);
  const json = serializeEvent({ type: "test.scored", sessionId: "s", ts: 2, source: "p", score: 0.5, secret: "x" } as never);
  assert.equal(JSON.parse(json), { type: "test.scored", sessionId: "s", ts: 2, source: "p", score: 0.5 });
});

test("events of unregistered types still serialize", () => {
  assert.equal(JSON.parse(serializeEvent({ type: "custom", a: 1 } as never)), { type: "custom", a: 1 });
});

test.run();
