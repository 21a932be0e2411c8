// test: alone (a browser on a live call, the recording judged by correlation)
// Recordings of real calls (issue 14) through the default plugins with the recording plugin on: an
// ffmpeg caller over Opus RTP (one ffmpeg sends a speech WAV in real time, a second records what
// Parley sends back) and, for the second call, an agent in headless chromium on /agent whose fake
// microphone plays another speech WAV. The WAV's left channel must hold what the caller said, its
// right channel what the caller heard (the bot's prompts as the caller's ffmpeg received them, then
// the agent's words), each second aligned on its own; the metadata must name every participant.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../core/mod.ts";
import { CHROMIUM } from "../core/chromium-testing.ts";
import { FfmpegPhone } from "../core/ffmpeg-phone.ts";
import { http, requireData, requireTool, skipUnless, tap, waitFor, windowCorrelation } from "../core/testing.ts";
import { readWav } from "../media/wav.ts";
import { pocketsphinxInstalled } from "../plugins/asr/test-calls.ts";
import type { Participant, RecordingDocument } from "../plugins/recording/mod.ts";
import { createFliteEngine } from "../plugins/tts/mod.ts";
import { useDefaultPlugins } from "./default-plugins.ts";
import { script } from "../plugins/testing.ts";
import { eventOf, launchBrowser, openDesktop, recordEvents, spoken, wavAt } from "./testing.ts";

const ADMIN = "recording-real-admin-token-0123456789";
const AUTH = { authorization: `Bearer ${ADMIN}` };
const AGENT = { id: "ann", name: "Ann Lee", token: "agent-ann-recording-real-0123456789" };
/** WAV A: what the caller says. */
const CALLER_WAV = "speech/jfk.wav";
/** WAV B: the agent's fake microphone (chromium loops it). */
const AGENT_WAV = "speech/librivox-0870.wav";
const RATE = 16000;
/** Correlation an aligned second must reach to count as the same audio. */
const SAME = 0.8;

/** A server as `npm start -- --recordings <dir>` runs it, on its own RTP ports. */
async function recordingServer(dir: string, ports: string): Promise<{ server: ParleyServer; baseUrl: string; recordings: string }> {
  const recordings = join(dir, "recordings");
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports }, webrtc: { interfaces: ["127.0.0.1"] }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  useDefaultPlugins(server, { voiceprints: join(dir, "voiceprints"), recording: { directory: recordings }, routing: { queues: [{ id: "support", wrapUpSeconds: 2, ringSeconds: 30 }] } });
  const { port } = await server.listen();
  return { server, baseUrl: `http://127.0.0.1:${port}`, recordings };
}

/** The finished recording of session `id`: its document (waited for) and the two channels of its WAV. */
async function finishedRecording(recordings: string, id: string): Promise<{ document: RecordingDocument; left: Int16Array; right: Int16Array }> {
  const path = join(recordings, `${id}.json`);
  await waitFor(() => existsSync(path), 30000, "the recording's document");
  const document = JSON.parse(readFileSync(path, "utf8")) as RecordingDocument;
  const wav = readWav(new Uint8Array(readFileSync(join(recordings, document.audio.file))));
  assert.is(wav.channels, 2);
  assert.is(wav.sampleRate, RATE);
  const left = new Int16Array(wav.samples.length / 2);
  const right = new Int16Array(wav.samples.length / 2);
  for (let i = 0; i < left.length; i++) {
    left[i] = wav.samples[2 * i]!;
    right[i] = wav.samples[2 * i + 1]!;
  }
  return { document, left, right };
}

/**
 * What the caller's ffmpeg received on the call's timeline, behind 1 s of silence: its recording
 * starts with Parley's first packet, and a second of the right channel that begins before that
 * must still find its place.
 */
function receivedByCaller(phone: FfmpegPhone): Int16Array {
  return script(RATE, 1, phone.recordedTimeline());
}

/** Logs one measured correlation and checks that the median (or the best) aligned second reaches `SAME`. */
function expectHolds(what: string, measured: ReturnType<typeof windowCorrelation>, by: "median" | "best" = "median"): void {
  console.log(`recording (real clients): ${what}: correlation median ${measured.median.toFixed(3)}, best ${measured.best.toFixed(3)} over ${measured.windows} aligned 1 s windows`);
  assert.ok(measured.windows > 0, `${what}: no speech to measure`);
  assert.ok(measured[by] >= SAME, `${what}: ${by} correlation ${measured[by].toFixed(3)}`);
}

test("a bot-only call over Opus RTP is recorded: the caller's words on the left, the bot's prompts as the caller received them on the right, the caller in the metadata", async () => {
  if (!requireTool("ffmpeg") || !requireTool("flite") || !pocketsphinxInstalled() || !requireData(CALLER_WAV)) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-recording-real-"));
  const { server, baseUrl, recordings } = await recordingServer(dir, "47440-47459");
  const events = recordEvents(server);
  const flite = await createFliteEngine();
  const phone = new FfmpegPhone("opus", dir, "caller");
  try {
    // The caller talks over the greeting, then asks about billing: the bot asks for the account number
    // (or answers whatever else the recogniser took from the speech: it is measured as the caller heard it).
    const said = script(RATE, 1.5, wavAt(CALLER_WAV, RATE), 2, await spoken(flite, "billing", RATE), 8);
    const id = await phone.call(baseUrl, said, AUTH);
    await phone.sent();
    const intents = events.filter((e) => e.type === "voicebot.intent" && e.sessionId === id).map((e) => e.type === "voicebot.intent" && e.intent);
    console.log(`recording (real clients): the bot understood ${JSON.stringify(intents)} and spoke ${events.filter((e) => e.type === "tts.started" && e.sessionId === id).length} time(s)`);
    assert.is((await http(baseUrl, `/v1/sessions/${id}`, { method: "DELETE", headers: AUTH })).status, 204);
    await eventOf(events, "session.ended", id);
    const heard = receivedByCaller(phone);
    const { document, left, right } = await finishedRecording(recordings, id);

    assert.is(document.complete, true);
    assert.equal(document.participants.map((p) => [p.id, p.role]), [[id, "caller"]]);
    assert.equal(document.participants[0]!.presence.map((p) => [p.joinedAt, p.leftAt]), [[document.start, document.end]]);
    assert.equal(document.channels.map((c) => [c.position, c.participants]), [["left", [id]], ["right", []]]);
    expectHolds("left channel vs the caller's WAV as sent", windowCorrelation(said, left, RATE));
    expectHolds("right channel vs what the caller's ffmpeg received", windowCorrelation(heard, right, RATE));
  } finally {
    await phone.close();
    await flite.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a call the bot hands to an agent in chromium is recorded: the caller on the left, the bot's prompts then the agent's words on the right, both participants with their times", async () => {
  if (!requireTool("chromium") || !skipUnless(existsSync(CHROMIUM), `${CHROMIUM} is missing`) || !requireTool("ffmpeg") || !requireTool("flite") || !pocketsphinxInstalled()) return;
  if (!requireData(CALLER_WAV) || !requireData(AGENT_WAV)) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-recording-real-"));
  const { server, baseUrl, recordings } = await recordingServer(dir, "47460-47479");
  const events = recordEvents(server);
  const flite = await createFliteEngine();
  const phone = new FfmpegPhone("opus", dir, "caller");
  let browser: Browser | undefined;
  try {
    assert.is((await http(baseUrl, "/v1/agents", { method: "POST", contentType: "application/json", body: JSON.stringify(AGENT), headers: AUTH })).status, 201);
    browser = await launchBrowser(AGENT_WAV);
    const { page } = await openDesktop(browser, baseUrl, AGENT, { rawMicrophone: true });
    await page.getByRole("button", { name: "Available" }).click();
    await page.locator("#state", { hasText: "idle" }).waitFor();

    // The caller asks for a person (twice, in other words, in case the recogniser misses one), then
    // talks on for a minute and more: a recogniser that misses both gets the call handed over when
    // the bot's prompts run out, and the caller must still be on the line then.
    const words = wavAt(CALLER_WAV, RATE);
    const said = script(RATE, 1.5, await spoken(flite, "I want to talk to a person", RATE), 3, await spoken(flite, "operator", RATE), ...Array.from({ length: 6 }, () => [2, words]).flat());
    const id = await phone.call(baseUrl, said, AUTH);
    const session = server.session(id)!;
    await eventOf(events, "queue.offered", id, () => true, 90000);
    await page.getByRole("button", { name: /Accept/ }).click();
    const started = await eventOf(events, "bridge.started", id);
    const agentLeg = tap(server.session(started.peer)!, RATE);
    // The agent talks to the caller for 8 s of packets received (the timeline's silences are filled only when the next packet comes).
    const before = phone.recorded().length;
    await waitFor(() => phone.recorded().length - before >= 8 * RATE, 60000, "8 s of the agent at the caller", 100);
    // The agent hangs up: the routing plugin ends the caller's leg too.
    await page.getByRole("button", { name: "Hang up" }).click();
    const ended = await eventOf(events, "bridge.ended", id);
    await eventOf(events, "session.ended", id);
    const closed = await session.closed;
    agentLeg.stop();
    const heard = receivedByCaller(phone);
    const { document, left, right } = await finishedRecording(recordings, id);

    assert.is(document.complete, true);
    assert.is(document.endReason, closed.reason);
    assert.equal(document.participants.map((p) => [p.id, p.role]), [[id, "caller"], [started.peer, "peer"]]);
    const [caller, agent] = document.participants as [Participant, Participant];
    // The caller from the call's start to its hang-up; the agent from the bridge to its end (reported a moment after the hang-up that ended it, so at most the call's end).
    assert.equal(caller.presence, [{ joinedAt: session.info.startedAt, leftAt: session.info.startedAt + closed.durationMs, reason: closed.reason }]);
    assert.equal([document.start, document.end], [session.info.startedAt, session.info.startedAt + closed.durationMs]);
    assert.equal(agent.presence, [{ joinedAt: started.ts, leftAt: Math.min(ended.ts, document.end), bridgeId: started.bridgeId, reason: ended.reason }]);
    assert.ok(document.start < started.ts && started.ts < document.end, JSON.stringify({ document: [document.start, document.end], bridged: started.ts }));
    assert.equal(document.channels.map((c) => [c.position, c.participants]), [["left", [id]], ["right", [started.peer]]]);

    // The right channel is the call's timeline: the bot before the bridge, the agent after it.
    const bridgedAt = Math.round(((started.ts - document.start) / 1000) * RATE);
    expectHolds("left channel vs the caller's WAV as sent", windowCorrelation(said, left, RATE));
    expectHolds("right channel before the bridge vs the bot as the caller's ffmpeg received it", windowCorrelation(heard, right.subarray(0, bridgedAt), RATE));
    expectHolds("right channel after the bridge vs the agent as the caller's ffmpeg received them", windowCorrelation(heard, right.subarray(bridgedAt), RATE));
    // The agent's own words: the bridge drops what waits too long and sends nothing when the agent's
    // packets come late, so on a loaded machine some seconds are cut; the best one says they are there.
    expectHolds("right channel after the bridge vs the agent's WAV", windowCorrelation(wavAt(AGENT_WAV, RATE), right.subarray(bridgedAt), RATE), "best");
    const decoded = windowCorrelation(agentLeg.samples(), right.subarray(bridgedAt), RATE);
    console.log(`recording (real clients): right channel after the bridge vs the agent's leg as the server decoded it: correlation median ${decoded.median.toFixed(3)}, best ${decoded.best.toFixed(3)} over ${decoded.windows} windows`);
  } finally {
    await phone.close();
    await browser?.close();
    await flite.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
