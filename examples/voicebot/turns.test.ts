import { test } from "uvu";
import * as assert from "uvu/assert";
import type { EventInput, SessionEvent } from "../../core/mod.ts";
import { turnVerdicts } from "./turns.ts";

/** Feeds events (as the session would stamp them) to a fresh follower. */
function follow(events: EventInput[]) {
  const verdicts = turnVerdicts();
  for (const event of events) verdicts.observe({ ...event, sessionId: "s", ts: 0, source: event.source ?? "test" } as SessionEvent);
  return verdicts;
}

const start = (startMs: number): EventInput => ({ type: "vad.speech_start", startMs, detectedMs: startMs + 60 });
const end = (startMs: number, endMs: number): EventInput => ({ type: "turn.end", startMs, endMs, durationMs: endMs - startMs, speechMs: endMs - startMs, silenceMs: 350, segments: 1, reason: "silence" });
const ignored: EventInput = { type: "barge-in.ignored", playbackId: "pb1", reason: "backchannel", heldMs: 500 };

test("a turn whose only stretch of speech the guard let pass is let pass, once", () => {
  const verdicts = follow([start(1000), ignored, end(1000, 1500)]);
  assert.ok(verdicts.letPass(1000));
  assert.not.ok(verdicts.letPass(1000), "asked once per turn");
});

test("the guard's decision after the turn ended (on the final transcript) still counts for that turn", () => {
  assert.ok(follow([start(1000), end(1000, 1500), ignored]).letPass(1000));
});

test("a turn with a stretch the guard did not let pass, or with no guard decision at all, is an answer", () => {
  assert.not.ok(follow([start(1000), ignored, start(1600), end(1000, 2000)]).letPass(1000));
  assert.not.ok(follow([start(1000), end(1000, 1500)]).letPass(1000));
  assert.not.ok(follow([start(1000), ignored, end(1000, 1500), start(3000), end(3000, 3500)]).letPass(3000));
});

test.run();
