// test: alone (browsers on live calls, their audio judged by correlation)
// Supervisor modes with real clients: a caller on plain RTP (ffmpeg, PCMU, speech A), an agent and
// a supervisor in headless chromium over WebRTC (speech B and C, played into each page's
// microphone on cue). The three take turns in 12 s cycles (A, then B, then C, 4 s each, 2.5 s of
// speech, so one party talks at a time), one cycle per mode, the mode switched live between cycles with the same
// API call. During each turn the test records what every other party hears, at the party itself
// (the caller's ffmpeg recorder, each page's MediaRecorder), and compares it with what the server
// received of the talker: a correlation when the mode says the party hears the talker, the energy
// when it says the party hears nothing.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium, openSpeakingLeg, pageSay, RECORD_REMOTE_AUDIO, recordPage, requireChromium } from "../../core/chromium-testing.ts";
import { FfmpegPhone } from "../../core/ffmpeg-phone.ts";
import { createServer, type EventInput, type SessionEvent } from "../../core/mod.ts";
import { http, requireData, requireTool, sleep, tap, waitFor, windowCorrelation } from "../../core/testing.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { resample, script, speechFiles } from "../testing.ts";
import { routing } from "./mod.ts";

const ADMIN = "supervision-admin-token-0123456789";
const SUPERVISOR = "supervision-supervisor-token-0123456789";
const ANN = "supervision-agent-ann-0123456789";
/** What each party says: the caller A, the agent B, the supervisor C (each at least 7.5 s of speech). */
const SPEECH = { A: ["speech/jfk.wav"], B: ["speech/librivox-0870.wav", "speech/goforward.wav"], C: ["speech/librivox-0880.wav", "speech/librivox-0890.wav"] } as const;
const MODES = ["listen", "whisper", "barge"] as const;
/** Each party talks this long in its turn... */
const TALK_S = 2.5;
/** ...of this many seconds: 1.5 s of silence after it, so a talker whose audio comes late never reaches the next turn. */
const TURN_S = 4;
/** Seconds of the caller's script before the first cycle: time to queue, offer, accept and supervise. */
const LEAD_S = 12;
/**
 * A party hears the talker when a 1 s window of what it heard correlates with what the server
 * received of the talker at 0.6 or more: the same speech through the mix measures 0.8 to 0.99
 * (the figures below), unrelated speech (the baseline below) under 0.3.
 */
const HEARS = 0.6;
/**
 * A party hears nothing when what it heard over the turn has an RMS under 100 (-50 dBFS): speech
 * that reaches a party measures 1000 and more, and a silent mix decodes to a few units.
 */
const SILENT_RMS = 100;

/** Sleeps until wall-clock time `at` (ms since the epoch). */
async function until(at: number): Promise<void> {
  await sleep(Math.max(0, at - Date.now()));
}

test("supervisor modes with real clients: listen, whisper and barge each decide who hears the supervisor, switched live", async () => {
  if (!requireChromium() || !requireTool("ffmpeg") || !Object.values(SPEECH).flat().every((file) => requireData(file))) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-supervision-"));
  const server = createServer({
    http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46800-46899" }, webrtc: { interfaces: ["127.0.0.1"] },
    auth: { tokens: [ADMIN], supervisorTokens: [SUPERVISOR] }, logLevel: "silent",
  });
  server.use(routing, { agents: [{ id: "ann", name: "Ann", token: ANN }], queues: [{ id: "support", ringSeconds: 60 }], announceEverySeconds: 0 });
  const events: SessionEvent[] = [];
  server.events$.subscribe((event) => events.push(event));
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const as = (token: string, body?: unknown, method = "POST") => ({ method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const phone = new FfmpegPhone("pcmu", dir, "caller");
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const open = async () => {
      const page = await (await browser!.newContext()).newPage();
      await page.addInitScript(RECORD_REMOTE_AUDIO);
      await page.goto(`${base}/agent`);
      return page;
    };
    const [agentPage, supervisorPage] = [await open(), await open()];
    const clips = (files: readonly string[], rate: number) => {
      const samples = speechFiles(files, rate);
      return MODES.map((_, k) => samples.slice(Math.round((0.2 + k * TALK_S) * rate), Math.round((0.2 + (k + 1) * TALK_S) * rate)));
    };
    const agentLegId = await openSpeakingLeg(agentPage, "/v1/agent/leg", ANN, clips(SPEECH.B, 16000));
    const supervisorLegId = await openSpeakingLeg(supervisorPage, "/v1/supervisor/leg", SUPERVISOR, clips(SPEECH.C, 16000));
    await waitFor(() => server.session(agentLegId) !== undefined && server.session(supervisorLegId) !== undefined, 5000, "both browser legs");
    assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);

    // Before the call is connected the supervisor cannot join it: coded refusals.
    const early = await fetch(`${base}/v1/calls/nope/supervise`, as(SUPERVISOR, { leg: supervisorLegId, mode: "listen" }));
    assert.equal([early.status, (await early.json()).error.code], [409, "PARLEY_ERR_ROUTING_UNKNOWN_CALL"]);

    const a = clips(SPEECH.A, 8000);
    const callId = await phone.call(base, script(8000, LEAD_S, ...MODES.flatMap((_, k) => [a[k]!, 3 * TURN_S - TALK_S]), 4), { authorization: `Bearer ${ADMIN}` });
    const caller = server.session(callId)!;
    const sources = { A: tap(caller, 16000), B: tap(server.session(agentLegId)!, 16000), C: tap(server.session(supervisorLegId)!, 16000) };
    caller.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
    await waitFor(() => events.some((e) => e.type === "queue.offered" && e.sessionId === callId), 10000, "the offer");
    const offer = events.find((e): e is Extract<SessionEvent, { type: "queue.offered" }> => e.type === "queue.offered" && e.sessionId === callId)!;
    assert.is((await fetch(`${base}/v1/offers/${offer.offerId}/accept`, as(ANN))).status, 200);

    const supervise = (mode: string, leg = supervisorLegId) => fetch(`${base}/v1/calls/${callId}/supervise`, as(SUPERVISOR, { leg, mode }));
    const noLeg = await supervise("listen", "no-such-leg");
    assert.equal([noLeg.status, (await noLeg.json()).error.code], [404, "PARLEY_ERR_ROUTING_UNKNOWN_LEG"]);
    const badMode = await supervise("shout");
    assert.equal([badMode.status, (await badMode.json()).error.code], [400, "PARLEY_ERR_ROUTING_INVALID_MODE"]);
    const agentToken = await fetch(`${base}/v1/calls/${callId}/supervise`, as(ANN, { leg: supervisorLegId, mode: "listen" }));
    assert.is(agentToken.status, 403, "an agent cannot supervise");
    const joined = await supervise("listen");
    assert.is(joined.status, 200);
    assert.equal(await joined.json(), { callId, leg: supervisorLegId, mode: "listen" });

    // The first cycle begins when the caller's first words reach the server.
    await waitFor(() => rms(sources.A.samples().subarray(-320)) > 300, (LEAD_S + 10) * 1000, "the caller's first words", 5);
    const t0 = Date.now() - 20;
    const talker = { A: caller, B: agentPage, C: supervisorPage } as const;
    const heard: { mode: string; turn: "A" | "B" | "C"; listener: string; samples: Int16Array; rate: number; sourceFrom: number }[] = [];
    for (const [k, mode] of MODES.entries()) {
      const cycle = t0 + k * 3 * TURN_S * 1000;
      if (k > 0) {
        await until(cycle - 300);
        const switched = await supervise(mode);
        assert.is(switched.status, 200, `switched to ${mode}: ${await switched.text()}`);
      }
      for (const [j, turn] of (["A", "B", "C"] as const).entries()) {
        const start = cycle + j * TURN_S * 1000;
        await until(start);
        const sourceFrom = sources[turn].length();
        if (turn !== "A") await pageSay(talker[turn] as Page, k);
        await until(start + 500);
        const callerFrom = phone.recorded().length;
        const stops = [await recordPage(agentPage, dir, `${mode}-${turn}-agent`), await recordPage(supervisorPage, dir, `${mode}-${turn}-supervisor`)];
        await until(start + TURN_S * 1000);
        heard.push({ mode, turn, listener: "caller", samples: phone.recorded().slice(callerFrom), rate: 8000, sourceFrom });
        heard.push({ mode, turn, listener: "agent", samples: await stops[0]!(), rate: 16000, sourceFrom });
        heard.push({ mode, turn, listener: "supervisor", samples: await stops[1]!(), rate: 16000, sourceFrom });
      }
    }

    // What each party heard of each talker, against what the server received of the talker from
    // 1 s before the turn to 2 s after it (a leg whose audio reaches the server late is still found).
    const received = { A: sources.A.samples(), B: sources.B.samples(), C: sources.C.samples() };
    const referenceOf = (one: (typeof heard)[number]) => {
      const reference = received[one.turn].slice(Math.max(0, one.sourceFrom - 16000), one.sourceFrom + 5 * 16000);
      return one.rate === 16000 ? reference : resample(reference, 16000, one.rate);
    };
    const figure = (mode: string, turn: string, listener: string) => {
      const one = heard.find((h) => h.mode === mode && h.turn === turn && h.listener === listener)!;
      return { ...windowCorrelation(referenceOf(one), one.samples, one.rate), rms: rms(one.samples), seconds: one.samples.length / one.rate };
    };
    const expectHears = (mode: string, turn: string, listener: string) => {
      const { best, median, rms: level, windows, seconds } = figure(mode, turn, listener);
      console.log(`supervision: ${mode}: ${listener} hears ${turn}: correlation best ${best.toFixed(3)}, median ${median.toFixed(3)} (${windows} windows of speech in ${seconds.toFixed(1)} s), RMS ${level.toFixed(0)}`);
      assert.ok(best >= HEARS, `${mode}: the ${listener} hears ${turn} (correlation ${best.toFixed(3)})`);
    };
    const expectNothing = (mode: string, turn: string, listener: string) => {
      const { best, rms: level } = figure(mode, turn, listener);
      console.log(`supervision: ${mode}: ${listener} hears nothing of ${turn}: RMS ${level.toFixed(1)} (${(20 * Math.log10(Math.max(level, 0.1) / 32768)).toFixed(1)} dBFS), correlation ${best.toFixed(3)}`);
      assert.ok(level < SILENT_RMS, `${mode}: the ${listener} must hear nothing of ${turn} (RMS ${level.toFixed(1)})`);
    };
    for (const mode of MODES) {
      expectHears(mode, "A", "supervisor");
      expectHears(mode, "B", "supervisor");
      expectHears(mode, "A", "agent");
      expectHears(mode, "B", "caller");
    }
    expectNothing("listen", "C", "caller");
    expectNothing("listen", "C", "agent");
    expectHears("whisper", "C", "agent");
    expectNothing("whisper", "C", "caller");
    expectHears("barge", "C", "agent");
    expectHears("barge", "C", "caller");
    // The baseline the threshold stands on: what the supervisor heard of the caller, against the agent's words.
    const unrelated = heard.find((h) => h.mode === "listen" && h.turn === "A" && h.listener === "supervisor")!;
    const other = heard.find((h) => h.mode === "listen" && h.turn === "B" && h.listener === "supervisor")!;
    console.log(`supervision: baseline, unrelated speech: correlation best ${windowCorrelation(referenceOf(other), unrelated.samples, 16000).best.toFixed(3)}`);

    // Events on the call: each mode in turn; the supervisor leaves with DELETE and the call goes on.
    const modes = events.filter((e): e is Extract<SessionEvent, { type: "supervisor.mode" }> => e.type === "supervisor.mode" && e.sessionId === callId).map((e) => e.mode);
    assert.equal(modes, ["listen", "whisper", "barge"]);
    assert.is((await http(base, `/v1/calls/${callId}/supervise?leg=${supervisorLegId}`, { method: "DELETE", headers: { authorization: `Bearer ${SUPERVISOR}` } })).status, 204);
    assert.ok(events.some((e) => e.type === "supervisor.left" && e.sessionId === callId && e.reason === "removed"));
    const again = await http(base, `/v1/calls/${callId}/supervise`, { method: "DELETE", headers: { authorization: `Bearer ${SUPERVISOR}` } });
    assert.equal([again.status, again.json<{ error: { code: string } }>().error.code], [404, "PARLEY_ERR_ROUTING_UNKNOWN_LEG"]);
    assert.ok(server.session(callId) && server.session(agentLegId), "caller and agent still connected");
    for (const source of Object.values(sources)) source.stop();
  } finally {
    await phone.close();
    await browser?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
