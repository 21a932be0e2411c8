import { Ajv } from "ajv";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type BuildOptions, buildRecord as build } from "./build.ts";
import type { CallEvents, ObservedEvent } from "./call-events.ts";
import { type PostCallRecord, PostCallRecordSchema } from "./record.ts";
import { type ScorecardOptions, scorecardRules } from "./scorecard.ts";

const T0 = 1_700_000_000_000;
/** The agent's leg started a minute before the call: its media times are a minute ahead. */
const AGENT_LEG_START = T0 - 60_000;

const defaults = (): ScorecardOptions => scorecardRules();

const validate = new Ajv({ strict: false, allErrors: true }).compile(PostCallRecordSchema);

/** Builds a record and checks it against the published JSON Schema, as a receiver could. */
function buildRecord(call: CallEvents, options: BuildOptions): PostCallRecord {
  const record = JSON.parse(JSON.stringify(build(call, options))) as PostCallRecord;
  assert.ok(validate(record), JSON.stringify(validate.errors));
  return record;
}

function at(offsetMs: number, type: string, fields: Record<string, unknown> = {}): ObservedEvent {
  return { type, ts: T0 + offsetMs, sessionId: "caller-1", ...fields };
}

function said(text: string, startMs: number, endMs: number, resultAt = endMs + 300, offset = 0): ObservedEvent[] {
  return [
    { type: "vad.speech_end", ts: T0 - offset + endMs + 50, startMs, endMs, durationMs: endMs - startMs },
    { type: "transcript", ts: T0 - offset + resultAt, text, startMs, endMs, confidence: 0.9 },
  ];
}

function botSays(id: string, text: string, startedAt: number, playedMs: number, cancelled = false, spokenText?: string): ObservedEvent[] {
  return [
    at(startedAt - 100, "tts.started", { playbackId: id, text, engine: "espeak", firstAudioMs: 80 }),
    at(startedAt, "playback.started", { playbackId: id }),
    at(startedAt + playedMs, "tts.finished", { playbackId: id, text, cancelled, playedMs, engine: "espeak", ...(spokenText ? { spokenText } : {}) }),
  ];
}

/** A call the bot takes, hands to agent a1 in the billing queue, who settles it. */
function billingCall(): CallEvents {
  const caller = [
    at(0, "session.started", { transport: "rtp", codec: "pcmu" }),
    at(10, "recording.started", { recordingId: "caller-1", sampleRate: 16000 }),
    ...botSays("p1", "Hello, this call may be recorded. How can I help?", 400, 3000),
    ...said("I have a problem with my bill", 3800, 5500),
    at(5900, "emotion", { scope: "rolling", status: "ok", label: "sad", valence: -0.2, arousal: 0.1, endMs: 5500 }),
    at(5950, "voicebot.intent", { intent: "billing", via: "speech", text: "I have a problem with my bill" }),
    at(6000, "biometrics", { scope: "call", status: "ok", claimedSpeaker: "alice", verdict: "match", score: 2.1 }),
    ...botSays("p2", "Let me put you through to a person.", 6100, 2000),
    at(8200, "voicebot.intent", { intent: "agent", via: "speech", text: "a person" }),
    at(8200, "route.request", { intent: "agent", reason: "caller_request", account: "5551234", transcript: [] }),
    at(8300, "queue.entered", { queueId: "billing", priority: 0, position: 1 }),
    at(18300, "queue.answered", { queueId: "billing", agentId: "a1", waitMs: 10000 }),
    at(18300, "bridge.started", { bridgeId: "b1", peer: "agent-1" }),
    ...said("my bill is wrong, you charged my card twice on this bill", 22000, 25000),
    at(27000, "emotion", { scope: "rolling", status: "ok", label: "happy", valence: 0.5, arousal: 0.2, endMs: 27000 }),
    at(30000, "bridge.ended", { bridgeId: "b1", peer: "agent-1", reason: "leg_ended", durationMs: 11700, heldMs: 0 }),
    at(30000, "call.completed", { queueId: "billing", agentId: "a1", talkMs: 11700, holdMs: 0 }),
    at(30000, "session.ended", { reason: "hangup", durationMs: 30000 }),
  ].sort((a, b) => a.ts - b.ts);
  const agentLag = T0 - AGENT_LEG_START;
  const agent = [
    // Before the bridge: not this call's.
    ...said("testing my headset", agentLag + 1000, agentLag + 2000, undefined, agentLag),
    ...said("Hello, this is Sam, how can I help with your bill?", agentLag + 19000, agentLag + 21000, undefined, agentLag),
    // Recognised after the caller hung up, of speech within the bridge.
    ...said("I will refund the double charge on your bill", agentLag + 25500, agentLag + 27000, agentLag + 30600, agentLag),
  ];
  return {
    caller: { legId: "caller-1", startedAt: T0, events: caller, transport: "rtp", codec: "pcmu", metadata: { callerId: "+15550100" } },
    peers: [{ legId: "agent-1", startedAt: AGENT_LEG_START, events: agent }],
  };
}

test("the transcript has both legs and the bot, in order, on the call's clock, agent turns named, nothing from before the bridge", () => {
  const record = buildRecord(billingCall(), { scorecard: defaults(), highlights: 2 });
  assert.equal(record.transcript.turns.map((t) => [t.speaker, t.startMs, t.endMs]), [
    ["bot", 400, 3400],
    ["caller", 3800, 5500],
    ["bot", 6100, 8100],
    ["agent", 19000, 21000],
    ["caller", 22000, 25000],
    ["agent", 25500, 27000],
  ]);
  assert.equal(record.transcript.turns.filter((t) => t.speaker === "agent").map((t) => [t.legId, t.agentId]), [["agent-1", "a1"], ["agent-1", "a1"]]);
  assert.equal(record.legs.map((l) => [l.legId, l.role, l.agentId, l.joinedMs, l.leftMs]), [["caller-1", "caller", undefined, 0, 30000], ["agent-1", "agent", "a1", 18300, 30000]]);
  assert.equal(record.transcript.gaps, []);
  assert.is(record.endReason, "hangup");
});

test("the facts: intent, account, disposition, the handover and the agent's part, identity and recording", () => {
  const { facts } = buildRecord(billingCall(), { scorecard: defaults(), highlights: 2 }).summary;
  assert.is(facts.intent, "billing");
  assert.equal(facts.intents, ["billing", "agent"]);
  assert.is(facts.account, "5551234");
  assert.is(facts.disposition, "handled_by_agent");
  assert.is(facts.handoverReason, "caller_request");
  assert.equal(facts.queues, ["billing"]);
  assert.is(facts.queueMs, 10000);
  assert.equal(facts.agents, [{ agentId: "a1", queueId: "billing", answeredMs: 18300, waitMs: 10000, talkMs: 11700, holdMs: 0, legId: "agent-1" }]);
  assert.equal(facts.transfers, [{ atMs: 8300, kind: "handover", from: "bot", to: "billing", reason: "caller_request" }]);
  assert.equal(facts.identity, { claimedSpeaker: "alice", verdict: "match", score: 2.1 });
  assert.is(facts.recordingId, "caller-1");
});

test("the measures: talk by party, silence without the queue wait, emotion at both ends", () => {
  const { measures } = buildRecord(billingCall(), { scorecard: defaults(), highlights: 2 });
  assert.is(measures.handleMs, 30000);
  assert.is(measures.conversationMs, 20000);
  assert.equal(measures.talkMs, { caller: 4700, bot: 5000, agent: 3500 });
  assert.is(measures.silenceMs, 20000 - 4700 - 5000 - 3500);
  assert.is(measures.overtalkMs, 0);
  assert.equal(measures.longestMonologueMs, { caller: 3000, bot: 3000, agent: 2000 });
  assert.equal([measures.emotion?.start.label, measures.emotion?.end.label], ["sad", "happy"]);
});

test("the summary: sentences from the facts, and the turns whose words recur (the bill) quoted", () => {
  const record = buildRecord(billingCall(), { scorecard: defaults(), highlights: 2 });
  const { text, highlights } = record.summary;
  assert.match(text, /^Caller with account 5551234 \(voice verified\) called about billing\. Handled by agent a1\./);
  assert.match(text, /Mood sad at the start, happy at the end\./);
  assert.match(text, /30\.0 s in all, 10\.0 s waiting\.$/);
  assert.equal(highlights.map((i) => record.transcript.turns[i]!.speaker), ["caller", "agent"]);
  assert.match(text, /Caller: "my bill is wrong, you charged my card twice on this bill"/);
  assert.match(text, /Agent: "I will refund the double charge on your bill"/);
});

test("a good call passes every default rule and scores 100", () => {
  const { scorecard } = buildRecord(billingCall(), { scorecard: defaults(), highlights: 2 });
  assert.equal(scorecard.rules.map((r) => [r.id, r.status]), [
    ["greeting", "pass"],
    ["identity_verified", "pass"],
    ["disclosure:recording_notice", "pass"],
    ["prohibited_phrases", "pass"],
    ["silence_share", "pass"],
    ["overtalk_share", "pass"],
    ["talk_listen_ratio", "pass"],
    ["longest_monologue", "pass"],
    ["emotion_trend", "pass"],
    ["handle_time", "pass"],
  ]);
  assert.is(scorecard.score, 100);
  assert.is(scorecard.rules.find((r) => r.id === "silence_share")!.value, 6800 / 20000);
});

/** A bot-only call that goes badly: a late greeting, talking over the caller, a rude phrase, no disclosure, a long hold on the line. */
function badCall(): CallEvents {
  const events = [
    at(0, "session.started", { transport: "rtp", codec: "pcmu" }),
    ...botSays("p1", "Hi. Calm down and tell me what you want.", 6000, 4000),
    ...said("I want to cancel my contract", 8000, 12000),
    ...botSays("p2", "Your contract is cancelled, goodbye", 12500, 70000, true, "Your contract is"),
    at(5000, "emotion", { scope: "utterance", status: "ok", label: "neutral", valence: 0.2, arousal: 0, endMs: 5000 }),
    at(40000, "emotion", { scope: "utterance", status: "ok", label: "angry", valence: -0.6, arousal: 0.8, endMs: 40000 }),
    at(82500, "voicebot.intent", { intent: "cancel", via: "speech", text: "cancel" }),
    at(700000, "session.ended", { reason: "hangup", durationMs: 700000 }),
  ].sort((a, b) => a.ts - b.ts);
  return { caller: { legId: "c2", startedAt: T0, events, transport: "rtp", codec: "pcmu", metadata: {} }, peers: [] };
}

test("a bad call fails the rules it breaks, with what was measured, and the score is the weight passed", () => {
  const record = buildRecord(badCall(), { scorecard: defaults(), highlights: 3 });
  const rules = Object.fromEntries(record.scorecard.rules.map((r) => [r.id, r]));
  assert.is(rules.greeting!.status, "fail");
  assert.is(rules.greeting!.value, 6000);
  assert.is(rules.identity_verified!.status, "fail");
  assert.is(rules["disclosure:recording_notice"]!.status, "fail");
  assert.is(rules.prohibited_phrases!.status, "fail");
  assert.match(rules.prohibited_phrases!.detail, /"calm down" by the bot at 6\.0 s/);
  assert.is(rules.overtalk_share!.value, 2000 / 700000);
  assert.is(rules.longest_monologue!.status, "fail");
  assert.is(rules.longest_monologue!.value, 70000);
  assert.is(rules.emotion_trend!.status, "fail");
  assert.is(rules.handle_time!.status, "fail");
  assert.is(rules.silence_share!.status, "fail");
  // Passed: overtalk (0.3%) and talk/listen (74 s to 4 s is out of range: fail).
  assert.is(rules.talk_listen_ratio!.status, "fail");
  assert.is(record.scorecard.score, 10);
  const cut = record.transcript.turns.find((t) => t.interrupted);
  assert.is(cut?.text, "Your contract is", "a cut-off bot turn says what the caller heard");
  assert.is(record.summary.facts.disposition, "self_service");
  assert.equal(record.transcript.gaps, []);
});

test("rule options change the verdicts: weights, limits, accepted identity evidence, disclosures; what is left out keeps its default", () => {
  const rules = scorecardRules({
    greeting: { withinMs: 10000 },
    identity: { evidence: ["biometrics", "account"] },
    prohibited: { weight: 0 },
    disclosures: [{ id: "cancellation_terms", phrases: ["contract is cancelled"], weight: 2 }],
  });
  assert.equal([rules.greeting.weight, rules.prohibited.phrases.length, rules.handleTime.maxMs], [1, 5, 600000]);
  const call = badCall();
  call.caller.metadata.accountNumber = "42";
  const { scorecard } = buildRecord(call, { scorecard: rules, highlights: 3 });
  const byId = Object.fromEntries(scorecard.rules.map((r) => [r.id, r]));
  assert.is(byId.greeting!.status, "pass");
  assert.is(byId.identity_verified!.status, "pass");
  // Cut off before "cancelled": the caller never heard the disclosure.
  assert.is(byId["disclosure:cancellation_terms"]!.status, "fail");
  assert.is(byId.prohibited_phrases!.status, "fail");
  // Passed: greeting, identity and overtalk, weight 3 of 10 (the disclosure weighs 2, prohibited phrases 0).
  assert.is(scorecard.score, Math.round((3 / 10) * 1000) / 10);
});

test("dispositions: abandoned, callback, unanswered handover, no interaction; an agent's transfer is a transfer", () => {
  const call = (events: ObservedEvent[]) => buildRecord({ caller: { legId: "c", startedAt: T0, events: [at(0, "session.started"), ...events, at(60000, "session.ended", { reason: "hangup", durationMs: 60000 })], transport: "rtp", codec: "pcmu", metadata: {} }, peers: [] }, { scorecard: defaults(), highlights: 3 }).summary.facts;
  assert.is(call([at(100, "route.request", { intent: "agent", reason: "no_match" }), at(200, "queue.entered", { queueId: "q" }), at(50000, "queue.abandoned", { queueId: "q", waitMs: 49800 })]).disposition, "abandoned");
  assert.is(call([at(200, "queue.entered", { queueId: "q" }), at(5000, "queue.callback_requested", { queueId: "q", waitMs: 4800 })]).disposition, "callback_requested");
  const unanswered = call([at(100, "route.request", { intent: "agent", reason: "no_input" }), at(200, "queue.entered", { queueId: "q" })]);
  assert.is(unanswered.disposition, "handover_unanswered");
  assert.is(unanswered.queueMs, 59800);
  assert.is(call([]).disposition, "no_interaction");
  const moved = call([
    at(200, "queue.entered", { queueId: "q1" }),
    at(1000, "queue.answered", { queueId: "q1", agentId: "a1", waitMs: 800 }),
    at(9000, "call.completed", { queueId: "q1", agentId: "a1", talkMs: 8000, holdMs: 0 }),
    at(9000, "queue.entered", { queueId: "q2" }),
    at(12000, "queue.answered", { queueId: "q2", agentId: "a2", waitMs: 3000 }),
  ]);
  assert.equal(moved.transfers.map((t) => [t.kind, t.from, t.to]), [["handover", "bot", "q1"], ["transfer", "a1", "q2"]]);
  assert.is(moved.disposition, "handled_by_agent");
  assert.is(moved.queueMs, 800 + 3000);
});

test("the synthetic-voice fact is the call-level (rolling) verdict, and an uncertain voice is said to be unconfirmed", () => {
  const events = [
    at(0, "session.started"),
    at(4000, "deepfake", { scope: "rolling", status: "ok", verdict: "uncertain", score: 0.68, reliable: true }),
    at(4000, "deepfake", { scope: "utterance", status: "ok", verdict: "bonafide", score: 0.3, reliable: true }),
    at(9000, "session.ended", { reason: "hangup", durationMs: 9000 }),
  ];
  const { facts, text } = buildRecord({ caller: { legId: "c", startedAt: T0, events, transport: "rtp", codec: "opus", metadata: {} }, peers: [] }, { scorecard: defaults(), highlights: 0 }).summary;
  assert.equal(facts.syntheticVoice, { verdict: "uncertain", score: 0.68, reliable: true });
  assert.match(text, /The voice could not be confirmed natural \(68% synthetic\)\./);
});

test("time on hold is not conversation: its silence does not count against the call", () => {
  const call = billingCall();
  const onHold = [at(21000, "bridge.held", { bridgeId: "b1", held: "caller-1" }), at(21500, "bridge.unheld", { bridgeId: "b1", held: "caller-1" })];
  call.caller.events = [...call.caller.events, ...onHold].sort((a, b) => a.ts - b.ts);
  const { measures } = buildRecord(call, { scorecard: defaults(), highlights: 2 });
  assert.is(measures.conversationMs, 20000 - 500);
  assert.is(measures.silenceMs, 6800 - 500);
});

test("an agent leg with no recognised words is named among the gaps", () => {
  const call = billingCall();
  call.peers = [];
  const record = buildRecord(call, { scorecard: defaults(), highlights: 2 });
  assert.is(record.transcript.turns.filter((t) => t.speaker === "agent").length, 0);
  assert.match(record.transcript.gaps.join("\n"), /agent leg agent-1 \(agent a1\): no transcript while bridged/);
});

test("malformed payloads are skipped, never thrown on", () => {
  const events = [
    at(0, "session.started"),
    at(100, "transcript", { text: 42, startMs: "0", endMs: null }),
    at(200, "tts.started", { text: null }),
    at(300, "bridge.started", {}),
    at(400, "bridge.ended", { bridgeId: 7 }),
    at(500, "queue.answered", {}),
    at(600, "call.completed", { agentId: "nobody" }),
    at(700, "emotion", { status: "ok", scope: "rolling", valence: "high" }),
    at(800, "emotion", { status: "ok", scope: "rolling" }),
    at(900, "vad.speech_end", { startMs: 1, endMs: Number.NaN }),
    at(1000, "session.ended", { reason: 5 }),
  ];
  const record = buildRecord({ caller: { legId: "c", startedAt: T0, events, transport: "rtp", codec: "pcmu", metadata: {} }, peers: [] }, { scorecard: defaults(), highlights: 3 });
  assert.equal(record.transcript.turns, []);
  assert.is(record.endReason, "unknown");
  assert.is(record.durationMs, 1000);
  assert.ok(JSON.stringify(record).length > 0);
});

test.run();
