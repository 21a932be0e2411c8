// test: alone (a browser on a live call)
// The agent desktop in a real browser: Debian's chromium, headless, driven by playwright-core, a
// speech WAV as the agent's microphone. The agent signs in, goes available (its WebRTC leg opens),
// sees a handed-over caller's offer with the context, accepts, talks, hangs up and wraps up.
// Screenshots of the offer and of the live call are saved for a person to look at (test-output/).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { launchChromium, requireChromium } from "../../core/chromium-testing.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput } from "../../core/mod.ts";
import { dataDir, requireData, waitFor } from "../../core/testing.ts";
import { TonePhone } from "../../core/tone-phone.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { tts } from "../tts/mod.ts";
import { routing } from "./mod.ts";

const SPEECH = "speech/goforward.wav";
const OUTPUT = resolve(import.meta.dirname ?? ".", "../../test-output");
const TOKEN = "agent-ann-desktop-token-0123";

test("agent desktop: sign in, go available, see the offer with its context, accept, talk, hang up and wrap up", async () => {
  if (!requireChromium() || !requireData(SPEECH)) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46700-46719" }, webrtc: { interfaces: ["127.0.0.1"] }, logLevel: "silent" })
    .use(tts)
    .use(routing, { agents: [{ id: "ann", name: "Ann Lee", token: TOKEN }], announceEverySeconds: 0 });
  const { port } = await server.listen();
  const browser = await launchChromium([`--use-file-for-fake-audio-capture=${join(dataDir(), SPEECH)}`]);
  const caller = new TonePhone("pcmu", 600);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const loaded = Date.now();
    await page.goto(`http://127.0.0.1:${port}/agent`);
    assert.is(await page.title(), "Parley agent desktop");
    await page.getByLabel("Agent token").fill(TOKEN);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Ann Lee").waitFor();
    console.log(`agent desktop: signed in ${Date.now() - loaded} ms after loading`);
    await page.getByRole("button", { name: "Available" }).click();
    await page.locator("#state", { hasText: "idle" }).waitFor();
    // The agent's microphone reaches the server over the leg before a call is routed to it.
    const leg = server.sessions().find((session) => session.info.metadata.agentLeg)!;
    let micFrames = 0;
    const mic = leg.audio(8000).subscribe(() => micFrames++);
    await waitFor(() => micFrames > 0, 5000, "the agent's microphone at the server");

    await caller.call(server);
    caller.session.emit({ type: "voicebot.intent", intent: "billing", via: "speech", text: "billing", source: "voicebot" } as EventInput);
    caller.session.emit({ type: "transcript", utteranceId: "u1", text: "i was charged twice for my phone bill", confidence: 0.9, words: [], startMs: 0, endMs: 2000, latencyMs: 100, engine: "test", search: "dictation", endpoint: "turn_end", source: "asr" } as EventInput);
    caller.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", account: "12345678", transcript: [], source: "voicebot" } as EventInput);
    await page.getByText(/wants billing/).waitFor();
    assert.match(await page.locator("#offer-summary").innerText(), /account 12345678 wants billing \(asked for a person\)\. Said: "i was charged twice/);
    assert.ok(await page.locator("#transcript li.caller", { hasText: "i was charged twice for my phone bill" }).isVisible(), "the caller's words are on the page before accepting");
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "agent-offer.png") });

    await page.getByRole("button", { name: /Accept/ }).click();
    await page.getByRole("button", { name: "Hang up" }).waitFor();
    const talking = performance.now();
    await page.waitForTimeout(2500);
    const heard = caller.heardSince(talking);
    assert.ok(rms(heard) > 300, `the caller hears the agent's microphone: rms ${rms(heard).toFixed(0)}`);
    await page.screenshot({ path: join(OUTPUT, "agent-call.png") });
    console.log(`screenshots: ${join(OUTPUT, "agent-offer.png")}, ${join(OUTPUT, "agent-call.png")}`);

    mic.unsubscribe();
    await page.getByRole("button", { name: "Hang up" }).click();
    await page.getByLabel("Notes").fill("Refunded the second charge.");
    await page.getByRole("button", { name: "Done" }).click();
    await waitFor(async () => (await server.metrics.registry.getSingleMetricAsString("parley_agents")).includes('status="available",state="idle"} 1'), 3000, "the agent idle again");
  } finally {
    await caller.close();
    await browser.close();
    await server.close();
  }
});

test.run();
