import { test } from "uvu";
import * as assert from "uvu/assert";
import { type EndpointEvent, Endpointer, type EndpointerOptions } from "./Endpointer.ts";

/** Runs a pattern of 20 ms frames ('#' speech, '.' silence) through an endpointer; returns the events, then the flush's. */
function run(pattern: string, options: EndpointerOptions = {}): EndpointEvent[] {
  const endpointer = new Endpointer(options);
  const events: EndpointEvent[] = [];
  [...pattern].forEach((c, i) => events.push(...endpointer.push({ timestamp: i * 20, durationMs: 20, probability: c === "#" ? 1 : 0, speech: c === "#" })));
  return [...events, ...endpointer.flush()];
}

const types = (events: EndpointEvent[]) => events.map((e) => e.type);

test("speech starts once minSpeechMs of speech has accumulated, stamped at its first frame", () => {
  const events = run("....####" + ".".repeat(40), { minSpeechMs: 60 });
  assert.equal(events[0], { type: "vad.speech_start", startMs: 80, detectedMs: 140 });
});

test("a blip shorter than minSpeechMs starts nothing and ends no turn", () => {
  assert.equal(run("..##......", { minSpeechMs: 60 }), []);
});

test("speech_end comes hangoverMs after the last speech frame and reports the segment's duration", () => {
  const events = run("#####" + ".".repeat(10), { minSpeechMs: 40, hangoverMs: 100, minSilenceMs: 1000 });
  assert.equal(events[1], { type: "vad.speech_end", startMs: 0, endMs: 100, durationMs: 100 });
});

test("turn.end needs minSilenceMs of silence after the last speech; shorter pauses keep the turn", () => {
  const pause = ".".repeat(10); // 200 ms
  const events = run("#####" + pause + "#####" + ".".repeat(30), { minSpeechMs: 40, hangoverMs: 100, minSilenceMs: 400 });
  assert.equal(types(events), ["vad.speech_start", "vad.speech_end", "vad.speech_start", "vad.speech_end", "turn.end"]);
  assert.equal(events[4], { type: "turn.end", startMs: 0, endMs: 400, durationMs: 400, speechMs: 200, silenceMs: 400, segments: 2, reason: "silence" });
});

test("a click in the trailing silence does not postpone the end of the turn", () => {
  const events = run("#####......#...........", { minSpeechMs: 60, hangoverMs: 100, minSilenceMs: 300 });
  const turnEnd = events.find((e) => e.type === "turn.end");
  assert.ok(turnEnd && turnEnd.endMs === 100 && turnEnd.silenceMs === 300);
});

test("audio that ends mid-speech closes the segment and the turn with reason end_of_stream", () => {
  const events = run("..######", { minSpeechMs: 40 });
  assert.equal(types(events), ["vad.speech_start", "vad.speech_end", "turn.end"]);
  assert.is((events[2] as { reason: string }).reason, "end_of_stream");
});

test("minSilenceMs is never shorter than hangoverMs, and negative settings are refused", () => {
  assert.is(new Endpointer({ hangoverMs: 300, minSilenceMs: 100 }).minSilenceMs, 300);
  assert.throws(() => new Endpointer({ minSpeechMs: -1 }), /minSpeechMs/);
  assert.throws(() => new Endpointer({ minSilenceMs: Number.NaN }), /minSilenceMs/);
});

test.run();
