// PCI masking in one recorder, driven tick by tick: a keypad tone, a pause by the API and the voice
// bot's collection must be zeros in both channels of the WAV, listed in the document, and the
// events that would tell what was masked left out of it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { SessionEvent, SessionInfo } from "../../core/mod.ts";
import { sine, toneAmplitude } from "../../media/signal-test-utils.ts";
import { readWav } from "../../media/wav.ts";
import { recordingFiles } from "./files.ts";
import { Recorder } from "./recorder.ts";

const folder = mkdtempSync(join(tmpdir(), "parley-masking-"));
test.after(() => rmSync(folder, { recursive: true, force: true }));

const RATE = 8000;
const TICK = 160;
const info: SessionInfo = { id: "pci-1", transport: "rtp", codec: "pcmu", sampleRate: RATE, startedAt: 1_000_000, metadata: {} };
const event = (type: string, fields: Record<string, unknown> = {}) => ({ type, sessionId: info.id, ts: 0, source: "test", ...fields }) as unknown as SessionEvent;

test("a keypad tone, a pause and the bot's collection are zeros in both channels, listed in the document; what was said or keyed in them is not kept, what happened is, without its quotes", async () => {
  const recorder = new Recorder(recordingFiles(folder, info.id), info, RATE, () => true, { maskLookbackMs: 400 });
  const at: Record<number, () => void> = {
    50: () => recorder.event(event("dtmf", { digit: "4", durationMs: 100 })),
    100: () => assert.ok(recorder.pause(0), "paused"),
    120: () => assert.not.ok(recorder.pause(0), "a second pause is refused"),
    150: () => assert.ok(recorder.resume(0), "resumed"),
    160: () => assert.not.ok(recorder.resume(0), "a resume when not paused is refused"),
    175: () => recorder.event(event("voicebot.collect.started", { kind: "account" })),
    200: () => {
      recorder.event(event("transcript", { text: "four two", startMs: 3600, endMs: 3900 }));
      recorder.event(event("voicebot.account", { account: "42", via: "speech" }));
      recorder.event(event("route.request", { intent: "agent", reason: "caller_request", transcript: ["four two"], account: "42" }));
    },
    225: () => recorder.event(event("voicebot.collect.ended", { kind: "account" })),
    250: () => {
      recorder.event(event("transcript", { text: "zero", startMs: 4600, endMs: 4650 }));
      recorder.event(event("transcript", { text: "thanks", startMs: 5000, endMs: 5100 }));
      recorder.event(event("route.request", { intent: "agent", account: "42" }));
    },
  };
  for (let tick = 0; tick < 300; tick++) {
    at[tick]?.();
    recorder.caller(new Int16Array(TICK).fill(1000));
    recorder.heard(new Int16Array(TICK).fill(-1000));
  }
  const document = await recorder.finish({ at: info.startedAt + 6000, reason: "hangup", durationMs: 6000 });
  assert.equal(document.masked, [
    { startMs: 840, endMs: 1200, reason: "dtmf" },
    { startMs: 2000, endMs: 3200, reason: "api" },
    { startMs: 3500, endMs: 4700, reason: "voicebot.collect" },
  ]);
  assert.equal(document.events.map((kept) => kept.text ?? kept.type), ["route.request", "thanks", "route.request"]);
  assert.equal([document.events[0]!.reason, "transcript" in document.events[0]!, "account" in document.events[0]!], ["caller_request", false, false], "the request made during the collection is kept without what it quotes");
  assert.not.ok("account" in document.events[2]!, "the account number is left out of the kept event");

  const wav = readWav(new Uint8Array(readFileSync(join(folder, document.audio.file))));
  assert.is(wav.samples.length, 2 * 300 * TICK, "the masked file keeps its length");
  const masked = (ms: number) => document.masked.some((interval) => ms >= interval.startMs && ms < interval.endMs);
  const wrong: number[] = [];
  for (let frame = 0; frame < wav.samples.length / 2; frame++) {
    const ms = (frame * 1000) / RATE;
    const expected = masked(ms) ? [0, 0] : [1000, -1000];
    if (wav.samples[2 * frame] !== expected[0] || wav.samples[2 * frame + 1] !== expected[1]) wrong.push(ms);
  }
  assert.equal(wrong.slice(0, 5), [], `frames not as expected at ${wrong.slice(0, 5).join(", ")} ms`);
});

test("a recording stopped while paused ends its masked stretch at the end of the audio", async () => {
  const recorder = new Recorder(recordingFiles(folder, "pci-2"), { ...info, id: "pci-2" }, RATE, () => true, { maskLookbackMs: 400 });
  for (let tick = 0; tick < 100; tick++) {
    if (tick === 50) recorder.pause(0);
    recorder.caller(new Int16Array(TICK).fill(1000));
    recorder.heard(new Int16Array(TICK).fill(-1000));
  }
  const document = await recorder.finish({ at: info.startedAt + 2000, reason: "hangup", durationMs: 2000 });
  assert.equal(document.masked, [{ startMs: 1000, endMs: 2000, reason: "api" }]);
});

test("a key tone in the caller's audio is masked where it lies, as one interval with the key's event, and the caller's audio around it is kept", async () => {
  const recorder = new Recorder(recordingFiles(folder, "pci-3"), { ...info, id: "pci-3" }, RATE, () => true, { maskLookbackMs: 400 });
  // The tone of "5" (770 and 1336 Hz) from 1000 to 1120 ms, over a steady caller signal.
  const caller = new Int16Array(RATE * 2).fill(1000);
  const tone = [770, 1336].map((frequency) => sine(frequency, RATE, (RATE * 120) / 1000, 6000));
  for (let i = 0; i < tone[0]!.length; i++) caller[RATE + i] = 1000 + tone[0]![i]! + tone[1]![i]!;
  for (let tick = 0; tick < 100; tick++) {
    // The gateway's event arrives when the tone has ended.
    if (tick === 57) recorder.event(event("dtmf", { digit: "5", durationMs: 120 }));
    recorder.caller(caller.slice(tick * TICK, (tick + 1) * TICK));
    recorder.heard(new Int16Array(TICK).fill(-1000));
  }
  const document = await recorder.finish({ at: info.startedAt + 2000, reason: "hangup", durationMs: 2000 });
  assert.is(document.masked.length, 1, JSON.stringify(document.masked));
  const [{ startMs, endMs, reason }] = document.masked as [{ startMs: number; endMs: number; reason: string }];
  assert.is(reason, "dtmf");
  assert.ok(startMs <= 1000 && endMs >= 1120 && startMs >= 800 && endMs <= 1400, `masked ${startMs}-${endMs} ms`);
  const left = readWav(new Uint8Array(readFileSync(join(folder, document.audio.file)))).samples.filter((_, i) => i % 2 === 0);
  assert.ok(toneAmplitude(left, 1336, RATE, RATE - 800, RATE + 1800) < 1, "no trace of the tone (sent at 6000)");
  assert.ok(left.subarray(0, (startMs * RATE) / 1000).every((sample) => sample === 1000), "the caller's audio before it is kept");
  assert.ok(left.subarray(Math.ceil((endMs * RATE) / 1000)).every((sample) => sample === 1000), "and after it");
});

test("a key tone found in the audio alone (no event) is masked too", async () => {
  const recorder = new Recorder(recordingFiles(folder, "pci-4"), { ...info, id: "pci-4" }, RATE, () => true, { maskLookbackMs: 400 });
  const caller = new Int16Array(RATE * 2);
  const tone = [941, 1477].map((frequency) => sine(frequency, RATE, (RATE * 80) / 1000, 6000));
  for (let i = 0; i < tone[0]!.length; i++) caller[RATE + i] = tone[0]![i]! + tone[1]![i]!;
  for (let tick = 0; tick < 100; tick++) {
    recorder.caller(caller.slice(tick * TICK, (tick + 1) * TICK));
    recorder.heard(new Int16Array(TICK));
  }
  const document = await recorder.finish({ at: info.startedAt + 2000, reason: "hangup", durationMs: 2000 });
  assert.equal(document.masked.map((interval) => interval.reason), ["dtmf"]);
  const left = readWav(new Uint8Array(readFileSync(join(folder, document.audio.file)))).samples.filter((_, i) => i % 2 === 0);
  assert.ok(left.every((sample) => sample === 0), "nothing of the tone is left");
});

test.run();
