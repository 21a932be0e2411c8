import { test } from "uvu";
import * as assert from "uvu/assert";
import { ContextCollector, type ObservedEvent } from "./context.ts";

const at = (seconds: number) => 1_000_000 + seconds * 1000;
const event = (type: string, seconds: number, fields: Record<string, unknown> = {}): ObservedEvent => ({ type, ts: at(seconds), ...fields });

test("the context gathers who, why, the turns, mood, risk and times from the caller's events", () => {
  const collector = new ContextCollector("call-1", { callerId: "+15550100" }, at(0));
  const events = [
    event("tts.started", 1, { text: "Thank you for calling. How can I help?", source: "tts" }),
    event("transcript", 4, { text: "I was charged twice for my phone bill", source: "asr" }),
    event("voicebot.intent", 4, { intent: "billing" }),
    event("voicebot.account", 9, { account: "12345678" }),
    event("emotion", 10, { scope: "rolling", status: "ok", label: "angry", arousal: 0.2, valence: -0.3 }),
    event("emotion", 12, { scope: "rolling", status: "ok", label: "angry", arousal: 0.6, valence: -0.5 }),
    event("emotion.escalation", 12, { label: "angry" }),
    event("deepfake", 12, { status: "ok", verdict: "bonafide", score: 0.1, reliable: true }),
    event("biometrics", 12, { status: "ok", claimedSpeaker: "12345678", verdict: "match", score: 1.2 }),
    event("transcript", 13, { text: "yes", source: "asr" }),
    event("voicebot.intent", 13, { intent: "agent" }),
    event("route.request", 14, { intent: "agent", reason: "caller_request", transcript: [] }),
    event("playback.started", 14),
  ];
  for (const e of events) collector.observe(e);
  collector.queued(at(15));
  const context = collector.snapshot(at(60));
  assert.equal([context.intent, context.account, context.reason, context.escalated], ["billing", "12345678", "caller_request", true]);
  assert.equal(context.turns.map((turn) => turn.who), ["bot", "caller", "caller"]);
  assert.equal(context.emotion, { label: "angry", arousal: 0.6, valence: -0.5, trend: "rising" });
  assert.equal([context.botMs, context.queueMs], [15_000, 45_000]);
  assert.is(
    context.summary,
    'Caller with account 12345678, voice verified wants billing (asked for a person). Said: "I was charged twice for my phone bill". Mood: angry, rising (escalated). 15 s with the bot, 45 s waiting.',
  );
});

test("the summary warns of a synthetic voice and a voice that does not match, and says so when the reason is unknown", () => {
  const collector = new ContextCollector("call-2", {}, at(0));
  collector.observe(event("deepfake", 3, { status: "ok", verdict: "synthetic", score: 0.93, reliable: true }));
  collector.observe(event("biometrics", 3, { status: "ok", claimedSpeaker: "42", verdict: "no_match", score: -2 }));
  const summary = collector.snapshot(at(70)).summary;
  assert.ok(summary.includes("does NOT match") && summary.includes("may be synthetic (93%)") && summary.includes("reason not stated"), summary);
  assert.ok(summary.endsWith("1 min 10 s with the bot, 0 s waiting."), summary);
});

test("the voice verdict is the call's rolling one: an utterance's own is ignored, and an uncertain voice is said to be unconfirmed", () => {
  const collector = new ContextCollector("call-4", {}, at(0));
  collector.observe(event("deepfake", 3, { scope: "rolling", status: "ok", verdict: "uncertain", score: 0.71, reliable: true }));
  collector.observe(event("deepfake", 4, { scope: "utterance", status: "ok", verdict: "bonafide", score: 0.2, reliable: true }));
  const context = collector.snapshot(at(10));
  assert.is(context.syntheticVoice?.verdict, "uncertain");
  assert.ok(context.summary.includes("could not be confirmed natural (71% synthetic)") && !context.summary.includes("may be synthetic"), context.summary);
});

test("a caller whose only words were the request for a person: the summary says so instead of naming the request a topic", () => {
  const collector = new ContextCollector("call-3", {}, at(0));
  collector.observe(event("voicebot.intent", 5, { intent: "agent" }));
  collector.observe(event("route.request", 6, { intent: "agent", reason: "caller_request", transcript: [] }));
  const context = collector.snapshot(at(10));
  assert.is(context.intent, undefined);
  assert.ok(context.summary.startsWith("Caller asked for a person."), context.summary);
});

test.run();
