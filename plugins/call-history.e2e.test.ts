// test: alone (a browser on live calls)
// The console's call history in a real browser (Debian's chromium, headless, driven by
// playwright-core) against a real server with the recording, kpi, postcall and console plugins.
// Two calls come in over real RTP: the caller's speech is sent as packets, the bot's prompt is
// played by the server, so the stereo recordings hold real audio; the recogniser's results and
// the routing events are scripted on the sessions at the times the words were sent. The page must
// list both calls, filter them, play a call's recording with the transcript following playback,
// seek by a turn, show the scorecard the API holds, and pass an axe accessibility check.
// Screenshots: test-output/call-history.png (and -narrow.png).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioClip, createServer, type EventInput, type Session } from "../core/mod.ts";
import { requireData, requireTool, skipUnless, waitFor } from "../core/testing.ts";
import { consolePlugin } from "./console/mod.ts";
import { kpi } from "./kpi/mod.ts";
import { postcall } from "./postcall/mod.ts";
import { WebhookReceiver } from "./postcall/testing.ts";
import { recording } from "./recording/mod.ts";
import { RtpTestPeer, speechClip } from "./testing.ts";

const CHROMIUM = "/usr/bin/chromium";
const ROOT = resolve(import.meta.dirname ?? ".", "..");
const OUTPUT = join(ROOT, "test-output");
const AXE = join(ROOT, "node_modules/axe-core/axe.min.js");
const TOKEN = "history-admin-token-0123456789";

/** Media time on a session now, ms. */
const now = (session: Session) => Date.now() - session.info.startedAt;

/** The caller says a clip over RTP in real time; its transcript arrives when it ends. */
async function callerSays(session: Session, peer: RtpTestPeer, file: string, text: string): Promise<void> {
  const clip = speechClip(file)!;
  const startMs = now(session);
  await peer.sendRealTime(clip.samples, clip.sampleRate);
  const endMs = now(session);
  session.emit({ type: "vad.speech_end", startMs, endMs, durationMs: endMs - startMs, source: "vad" } as EventInput);
  session.emit({ type: "transcript", utteranceId: `u${startMs}`, text, confidence: 0.9, words: [], startMs, endMs, latencyMs: 100, engine: "test", search: "dictation", endpoint: "turn_end", source: "asr" } as EventInput);
}

/** The bot says a clip: played by the server to the caller, with the tts plugin's events. */
async function botSays(session: Session, file: string, text: string): Promise<void> {
  const clip = speechClip(file)!;
  const playback = session.play(new AudioClip(clip.samples, clip.sampleRate));
  session.emit({ type: "tts.started", playbackId: playback.id, text, engine: "test", firstAudioMs: 10, source: "tts" } as EventInput);
  const result = await playback.done;
  session.emit({ type: "tts.finished", playbackId: playback.id, text, cancelled: false, playedMs: result.playedMs, engine: "test", source: "tts" } as EventInput);
}

test("call history: lists the recorded calls with KPIs and scores, filters, plays a call with the transcript following, seeks by turn, shows the scorecard; passes axe", async () => {
  if (!requireTool("chromium") || !skipUnless(existsSync(CHROMIUM), `${CHROMIUM} is missing`) || !requireData("speech/labels.tsv")) return;
  if (!skipUnless(existsSync(AXE), `${AXE} is missing (npm ci)`)) return;
  const { chromium } = await import("playwright-core");
  const directory = mkdtempSync(join(tmpdir(), "parley-history-"));
  const receiver = await WebhookReceiver.start([200]);
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "47940-47959", symmetric: false }, logLevel: "silent", auth: { tokens: [TOKEN] } })
    .use(recording, { directory: join(directory, "recordings") })
    .use(kpi)
    .use(postcall, { directory: join(directory, "postcall"), webhookUrl: receiver.url, webhookSecret: "whsec_history_0123456789", settleMs: 200 })
    .use(consolePlugin);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required"] });
  try {
    const { port } = await server.listen();
    const base = `http://127.0.0.1:${port}`;

    // Call 1: the caller speaks, the bot answers, the call goes to the support queue and Ann takes it.
    const first = await server.rtp.open({ codec: "pcmu" });
    const firstPeer = new RtpTestPeer(first.port);
    const answered = first.session;
    try {
      await callerSays(answered, firstPeer, "goforward.wav", "go forward ten meters");
      await botSays(answered, "cards-002.wav", "four queen of clubs");
      answered.emit({ type: "route.request", intent: "agent", reason: "caller_request", account: "12345678", transcript: [], source: "voicebot" } as EventInput);
      answered.emit({ type: "queue.entered", queueId: "support", priority: 0, position: 1, source: "routing" } as EventInput);
      await firstPeer.sendRealTime(new Int16Array(8000), 8000);
      answered.emit({ type: "queue.answered", queueId: "support", agentId: "ann", waitMs: 1000, source: "routing" } as EventInput);
      await callerSays(answered, firstPeer, "librivox-0880.wav", "he was not an ill disposed young man");
      await answered.hangup();
    } finally {
      await firstPeer.close();
    }
    // Call 2: the bot alone.
    const second = await server.rtp.open({ codec: "pcmu" });
    const secondPeer = new RtpTestPeer(second.port, 0x5eee);
    try {
      await callerSays(second.session, secondPeer, "cards-004.wav", "five five");
      await second.session.hangup();
    } finally {
      await secondPeer.close();
    }
    const api = async <T>(path: string) => (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json() as Promise<T>;
    await waitFor(async () => (await api<{ recordings: unknown[] }>("/v1/recordings")).recordings.length === 2 && (await api<{ records: unknown[] }>("/v1/postcall")).records.length === 2, 10000, "both recordings and both post-call records");
    const record = await api<{ scorecard: { score: number; rules: { id: string; status: string }[] }; transcript: { turns: { text: string }[] } }>(`/v1/postcall/${answered.id}`);
    assert.equal(record.transcript.turns.map((t) => t.text), ["go forward ten meters", "four queen of clubs", "he was not an ill disposed young man"]);

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    const opened = Date.now();
    await page.goto(`${base}/console/history`);
    assert.is(await page.title(), "Parley call history");
    await page.getByText("token required").waitFor();
    await page.getByLabel("API token").fill(TOKEN);
    await page.getByLabel("API token").dispatchEvent("change");
    const rows = page.locator("#calls tr");
    await rows.nth(1).waitFor();
    console.log(`call history: two calls listed ${Date.now() - opened} ms after loading the page (token typed in)`);
    assert.is(await rows.count(), 2);
    assert.match(await rows.nth(0).innerText(), /self service/, "newest first");
    const firstRow = rows.filter({ hasText: "support" });
    assert.match(await firstRow.innerText(), /handled by agent[\s\S]*support[\s\S]*ann/);
    assert.ok((await firstRow.locator(".score").innerText()) === String(record.scorecard.score), "the row shows the record's score");
    assert.match(await page.locator("#kpis").innerText(), /Calls\s+2/);

    // Filters narrow the list; clearing them brings both back.
    await page.getByLabel("Agent", { exact: true }).fill("ann");
    await rows.nth(1).waitFor({ state: "detached" });
    assert.is(await rows.count(), 1);
    await page.getByLabel("Agent", { exact: true }).fill("");
    await rows.nth(1).waitFor();

    // The call opens from the keyboard; the transcript is there with the channel of each speaker.
    await firstRow.getByRole("button").focus();
    await page.keyboard.press("Enter");
    const turns = page.locator("#turns li");
    await turns.nth(2).waitFor();
    assert.equal((await turns.locator(".who").allInnerTexts()).map((t) => t.replace(/^[LR]\s*/, "")), ["caller", "bot", "caller"]);
    assert.equal((await turns.locator(".ch").allInnerTexts()), ["L", "R", "L"], "caller on the left channel, the bot on the right");
    await page.locator("#detail-status", { hasText: "Loaded the call" }).waitFor({ state: "attached" });
    assert.is(await page.locator("#rules tr").count(), record.scorecard.rules.length);
    const failed = record.scorecard.rules.filter((r) => r.status === "fail").length;
    assert.is(await page.locator("#rules .result.fail").count(), failed);
    assert.match(await page.locator("#score").innerText(), new RegExp(`^${record.scorecard.score} / 100`));
    assert.match(await page.locator("#summary").innerText(), /\S/);

    // Play: the highlighted turn moves with the audio.
    const duration = await page.locator("#audio").evaluate((audio: HTMLAudioElement) => new Promise<number>((done) => (audio.readyState > 0 ? done(audio.duration) : audio.addEventListener("loadedmetadata", () => done(audio.duration)))));
    const recordingDocument = await api<{ audio: { durationMs: number } }>(`/v1/recordings/${answered.id}`);
    assert.ok(Math.abs(duration * 1000 - recordingDocument.audio.durationMs) < 100, `the player holds the whole recording: ${duration} s`);
    const current = page.locator("#turns li[aria-current=true]");
    await page.locator("#audio").evaluate((audio: HTMLAudioElement) => audio.play());
    await current.filter({ hasText: "go forward" }).waitFor();
    await current.filter({ hasText: "four queen of clubs" }).waitFor({ timeout: 15000 });
    const playedTo = await page.locator("#audio").evaluate((audio: HTMLAudioElement) => audio.currentTime);
    console.log(`call history: the bot's turn highlighted at ${playedTo.toFixed(2)} s of ${duration.toFixed(2)} s`);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "call-history.png"), fullPage: true });

    // A click on a turn seeks the player to it.
    await page.locator("#audio").evaluate((audio: HTMLAudioElement) => audio.pause());
    await turns.nth(2).getByRole("button").click();
    await current.filter({ hasText: "ill disposed" }).waitFor();
    const seekedTo = await page.locator("#audio").evaluate((audio: HTMLAudioElement) => audio.currentTime);
    const turnAt = await turns.nth(2).locator("time").innerText();
    const [minutes, seconds] = turnAt.split(":").map(Number);
    assert.ok(Math.abs(seekedTo - (minutes! * 60 + seconds!)) < 1.5, `seeked to ${seekedTo} s for a turn at ${turnAt}`);

    // Listening to one channel goes through Web Audio without stopping the player.
    await page.getByRole("radio", { name: "the caller", exact: true }).check();
    assert.is(await page.locator("#audio").evaluate((audio: HTMLAudioElement) => audio.error), null);

    // Accessibility: axe (WCAG 2 A and AA rules) finds nothing on the page with a call open.
    await page.addScriptTag({ content: readFileSync(AXE, "utf8") });
    const violations = await page.evaluate(async () => {
      const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: { id: string; nodes: { target: string[] }[] }[] }> } }).axe;
      const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    });
    assert.equal(violations, [], "axe violations");

    const narrow = await browser.newPage({ viewport: { width: 820, height: 1000 } });
    await narrow.addInitScript((token) => localStorage.setItem("parley.token", token), TOKEN);
    const loading = Date.now();
    await narrow.goto(`${base}/console/history#call=${answered.id}`);
    await narrow.locator("#turns li").nth(2).waitFor();
    console.log(`call history: a linked call's list, recording and transcript ready ${Date.now() - loading} ms after navigating (${(recordingDocument.audio.durationMs / 1000).toFixed(1)} s of stereo WAV)`);
    await narrow.screenshot({ path: join(OUTPUT, "call-history-narrow.png"), fullPage: true });
    console.log(`screenshots: ${join(OUTPUT, "call-history.png")}, ${join(OUTPUT, "call-history-narrow.png")}`);
    assert.equal(errors, [], "no error on the page");
  } finally {
    await browser.close();
    await server.close();
    await receiver.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
