// test: alone (browsers on live calls, their audio judged by correlation)
// A warm transfer with real clients: a caller on plain RTP (ffmpeg, PCMU), agent Ann in chromium
// (a WHIP leg), agent Bob on the agent desktop in chromium (his microphone a speech WAV). Ann takes
// the call, consults Bob: the caller hears hold music while Bob's desktop shows the consult with
// the caller's context (the briefing) before he joins; Ann completes the transfer and wraps up;
// the caller hears Bob, measured at the caller's own recording against what the server received
// of Bob.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { launchChromium, openSpeakingLeg, RECORD_REMOTE_AUDIO, requireChromium } from "../../core/chromium-testing.ts";
import { FfmpegPhone } from "../../core/ffmpeg-phone.ts";
import { createServer, type EventInput, type SessionEvent } from "../../core/mod.ts";
import { dataDir, requireData, requireTool, sleep, tap, waitFor, windowCorrelation } from "../../core/testing.ts";
import { holdMusic } from "../../media/hold-music.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { concatSamples, script } from "../testing.ts";
import { routing } from "./mod.ts";

const ADMIN = "warm-transfer-admin-token-0123456789";
const ANN = "warm-transfer-agent-ann-0123456789";
const BOB = "warm-transfer-agent-bob-0123456789";
const BOB_MICROPHONE = "speech/librivox-0870.wav";
/** Heard when a 1 s window correlates at 0.6 or more with the source (the supervision test gives the figures this stands on). */
const HEARS = 0.6;

test("warm transfer: the caller on hold hears hold music, the consulted agent is briefed before joining, then the caller hears him and the first agent wraps up", async () => {
  if (!requireChromium() || !requireTool("ffmpeg") || !requireData(BOB_MICROPHONE)) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-warm-transfer-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46900-46999" }, webrtc: { interfaces: ["127.0.0.1"] }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(routing, {
    agents: [{ id: "ann", name: "Ann", token: ANN }, { id: "bob", name: "Bob", token: BOB }],
    queues: [{ id: "support", ringSeconds: 60, wrapUpSeconds: 60 }], announceEverySeconds: 0,
  });
  const events: SessionEvent[] = [];
  server.events$.subscribe((event) => events.push(event));
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  const as = (token: string, body?: unknown, method = "POST") => ({ method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const post = async (token: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, as(token, body));
    return { status: response.status, body: response.status === 204 ? undefined : await response.json() };
  };
  const phone = new FfmpegPhone("pcmu", dir, "caller");
  let browser: Browser | undefined;
  try {
    browser = await launchChromium([`--use-file-for-fake-audio-capture=${join(dataDir(), BOB_MICROPHONE)}`]);
    const annPage = await (await browser.newContext()).newPage();
    await annPage.goto(`${base}/agent`);
    const annLeg = await openSpeakingLeg(annPage, "/v1/agent/leg", ANN, []);
    await waitFor(() => server.session(annLeg) !== undefined, 5000, "Ann's leg");
    assert.is((await post(ANN, "/v1/agent/status", { status: "available" })).status, 200);

    const callId = await phone.call(base, script(8000, 60), { authorization: `Bearer ${ADMIN}` });
    const caller = server.session(callId)!;
    caller.emit({ type: "voicebot.intent", intent: "billing", via: "speech", text: "billing", source: "voicebot" } as EventInput);
    caller.emit({ type: "route.request", intent: "agent", reason: "caller_request", account: "12345", transcript: ["I want to talk to a person"], source: "voicebot" } as EventInput);
    await waitFor(() => events.some((e) => e.type === "queue.offered" && e.sessionId === callId), 10000, "the offer to Ann");
    const offer = events.find((e): e is Extract<SessionEvent, { type: "queue.offered" }> => e.type === "queue.offered" && e.sessionId === callId)!;
    assert.is((await post(ANN, `/v1/offers/${offer.offerId}/accept`)).status, 200);

    // Bob signs in on his desktop and goes available after Ann took the call.
    const bobContext = await browser.newContext();
    const bobPage = await bobContext.newPage();
    await bobPage.addInitScript(RECORD_REMOTE_AUDIO);
    await bobPage.goto(`${base}/agent`);
    await bobPage.getByLabel("Agent token").fill(BOB);
    await bobPage.getByRole("button", { name: "Sign in" }).click();
    await bobPage.getByText("Bob").first().waitFor();
    await bobPage.getByRole("button", { name: "Available" }).click();
    await bobPage.locator("#state", { hasText: "idle" }).waitFor();
    const bobLeg = server.sessions().find((session) => session.info.metadata.agentLeg && session.id !== annLeg)!;

    // Out of order: no consult yet to conference or complete; nobody to consult.
    const early = await post(ANN, "/v1/agent/call/complete-transfer");
    assert.equal([early.status, early.body.error.code], [409, "PARLEY_ERR_ROUTING_CONSULT_STATE"]);
    const nobody = await post(ANN, "/v1/agent/call/consult", { agent: "carol" });
    assert.equal([nobody.status, nobody.body.error.code], [404, "PARLEY_ERR_ROUTING_UNKNOWN_AGENT"]);

    // Ann consults Bob: the caller is on hold and hears hold music; Bob's desktop shows the briefing.
    const consult = await post(ANN, "/v1/agent/call/consult", { agent: "bob" });
    assert.is(consult.status, 201);
    await bobPage.locator("#offer-consult", { hasText: "Consult from ann" }).waitFor({ timeout: 10000 });
    const briefing = await bobPage.locator("#offer-summary").innerText();
    console.log(`warm transfer: Bob's desktop briefs him before he joins: "${briefing}"`);
    assert.match(briefing, /account 12345 wants billing/);
    const holdFrom = phone.recorded().length;
    await sleep(3000);
    const onHold = phone.recorded().slice(holdFrom + 4000);
    const music = holdMusic(8000);
    const hold = windowCorrelation(concatSamples(music, music), onHold, 8000);
    console.log(`warm transfer: the caller on hold hears hold music: correlation best ${hold.best.toFixed(3)}, median ${hold.median.toFixed(3)}, RMS ${rms(onHold).toFixed(0)}`);
    assert.ok(hold.best >= HEARS, `the caller hears hold music (correlation ${hold.best.toFixed(3)})`);

    // Bob accepts; Ann and Bob talk while the caller waits; then Ann completes the transfer.
    await bobPage.getByRole("button", { name: /Accept/ }).click();
    await waitFor(() => events.some((e) => e.type === "consult.joined" && e.sessionId === callId), 10000, "Bob joins the consult");
    const bobSaid = tap(bobLeg, 8000);
    assert.is((await post(ANN, "/v1/agent/call/complete-transfer")).status, 204);
    await sleep(500);
    const heardFrom = phone.recorded().length;
    await sleep(4000);
    const heard = phone.recorded().slice(heardFrom);
    const fromBob = windowCorrelation(bobSaid.samples(), heard, 8000);
    bobSaid.stop();
    console.log(`warm transfer: the caller hears Bob after the transfer: correlation best ${fromBob.best.toFixed(3)}, median ${fromBob.median.toFixed(3)}`);
    assert.ok(fromBob.best >= HEARS, `the caller hears Bob (correlation ${fromBob.best.toFixed(3)})`);

    // Ann wraps up, Bob has the call; the call's events tell the story.
    const state = async (token: string) => (await (await fetch(`${base}/v1/agent/me`, as(token, undefined, "GET"))).json()).state;
    assert.equal([await state(ANN), await state(BOB)], ["wrap_up", "on_call"]);
    const story = events.filter((e) => e.sessionId === callId && (e.type.startsWith("consult.") || e.type === "call.completed")).map((e) => e.type === "call.completed" ? `call.completed ${e.agentId}` : e.type);
    assert.equal(story, ["consult.started", "consult.joined", "consult.transferred", "call.completed ann"]);
    const again = await post(ANN, "/v1/agent/call/complete-transfer");
    assert.equal([again.status, again.body.error.code], [409, "PARLEY_ERR_ROUTING_UNKNOWN_CALL"]);

    // The caller hangs up: Bob's part ends too, and his desktop turns to the wrap-up.
    await caller.hangup("caller_hangup");
    await waitFor(() => events.some((e) => e.type === "call.completed" && e.sessionId === callId && e.agentId === "bob"), 5000, "Bob's call.completed");
    await bobPage.getByRole("button", { name: "Done" }).waitFor({ timeout: 5000 });
  } finally {
    await phone.close();
    await browser?.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
