import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { buildDocument } from "./document.ts";
import { type JournalEntry, JournalWriter, parseJournal } from "./journal.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-journal-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const start: JournalEntry = { kind: "start", at: 1000, id: "s1", sampleRate: 16000, transport: "rtp", codec: "pcmu", metadata: { callerId: "+100" } };

test("journal entries written in two flushes read back in order, one JSON line each", async () => {
  const path = join(folder, "a.journal");
  const journal = new JournalWriter(path);
  journal.write(start);
  await journal.flush();
  journal.write({ kind: "join", at: 1000, participant: "s1", role: "caller" });
  journal.write({ kind: "event", at: 1500, event: { type: "voicebot.intent", intent: "billing" } });
  await journal.close();
  const text = readFileSync(path, "utf8");
  assert.is(text.split("\n").length, 4);
  assert.equal(parseJournal(text).map((entry) => entry.kind), ["start", "join", "event"]);
});

test("a torn last line (a crash mid-write) is left out, and the lines before it kept", () => {
  const text = JSON.stringify(start) + "\n" + JSON.stringify({ kind: "join", at: 1000, participant: "s1", role: "caller" }) + '\n{"kind":"event","at":12';
  assert.equal(parseJournal(text).map((entry) => entry.kind), ["start", "join"]);
});

test("the document of a finished call lists participants with their times, channels and kept events", () => {
  const entries: JournalEntry[] = [
    start,
    { kind: "join", at: 1000, participant: "s1", role: "caller" },
    { kind: "event", at: 2000, event: { type: "transcript", text: "hello", startMs: 100, endMs: 900 } },
    { kind: "join", at: 3000, participant: "agent-leg", role: "peer", bridgeId: "b1" },
    { kind: "leave", at: 5000, participant: "agent-leg", reason: "hangup" },
    { kind: "leave", at: 6000, participant: "s1", reason: "hangup" },
    { kind: "end", at: 6000, reason: "hangup", durationMs: 5000 },
  ];
  const document = buildDocument(entries, { audioFile: "s1.wav", audioMs: 4980, complete: true })!;
  assert.is(document.complete, true);
  assert.is(document.start, 1000);
  assert.is(document.end, 6000);
  assert.is(document.endReason, "hangup");
  assert.equal(document.participants, [
    { id: "s1", role: "caller", presence: [{ joinedAt: 1000, leftAt: 6000, reason: "hangup" }] },
    { id: "agent-leg", role: "peer", presence: [{ joinedAt: 3000, leftAt: 5000, bridgeId: "b1", reason: "hangup" }] },
  ]);
  assert.equal(document.channels.map((channel) => [channel.position, channel.participants]), [["left", ["s1"]], ["right", ["agent-leg"]]]);
  assert.equal(document.events, [{ type: "transcript", text: "hello", startMs: 100, endMs: 900 }]);
  assert.equal(document.session.metadata, { callerId: "+100" });
});

test("a peer reported gone after the call's end (the hang-up ended its bridge) left at the end", () => {
  const entries: JournalEntry[] = [
    start,
    { kind: "join", at: 1000, participant: "s1", role: "caller" },
    { kind: "join", at: 3000, participant: "agent-leg", role: "peer", bridgeId: "b1" },
    { kind: "leave", at: 6015, participant: "agent-leg", reason: "leg_ended" },
    { kind: "leave", at: 6000, participant: "s1", reason: "agent_hangup" },
    { kind: "end", at: 6000, reason: "agent_hangup", durationMs: 5000 },
  ];
  const document = buildDocument(entries, { audioFile: "s1.wav", audioMs: 4980, complete: true })!;
  assert.equal(document.participants[1]!.presence, [{ joinedAt: 3000, leftAt: 6000, bridgeId: "b1", reason: "leg_ended" }]);
});

test("the document of an interrupted call is incomplete and ends where the audio or the journal stops, whichever is later", () => {
  const entries: JournalEntry[] = [start, { kind: "join", at: 1000, participant: "s1", role: "caller" }, { kind: "event", at: 2500, event: { type: "route.request" } }];
  const document = buildDocument(entries, { audioFile: "s1.wav", audioMs: 3000, complete: false })!;
  assert.is(document.complete, false);
  assert.is(document.end, 4000);
  assert.is(document.endReason, undefined);
  assert.equal(document.participants[0]!.presence, [{ joinedAt: 1000, leftAt: 4000 }]);
  assert.is(buildDocument([], { audioFile: "x.wav", audioMs: 0, complete: false }), undefined);
});

test("masked stretches become intervals by start: a key's overlapping stretches one, a pause a crash left open ending with the audio", () => {
  const entries: JournalEntry[] = [
    start,
    { kind: "mask", at: 2000, id: 2, reason: "dtmf", startMs: 900, endMs: 1300 },
    { kind: "mask", at: 2000, id: 1, reason: "dtmf", startMs: 800, endMs: 1100 },
    { kind: "mask", at: 2500, id: 3, reason: "voicebot.collect", startMs: 1200 },
    { kind: "unmask", at: 3000, id: 3, endMs: 1800 },
    { kind: "mask", at: 3500, id: 4, reason: "api", startMs: 2500 },
  ];
  const document = buildDocument(entries, { audioFile: "s1.wav", audioMs: 3000, complete: false })!;
  assert.equal(document.masked, [
    { startMs: 800, endMs: 1300, reason: "dtmf" },
    { startMs: 1200, endMs: 1800, reason: "voicebot.collect" },
    { startMs: 2500, endMs: 3000, reason: "api" },
  ]);
});

test.run();
