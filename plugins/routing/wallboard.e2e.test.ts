// test: alone (a browser, how fast the page shows its figures measured)
// The wallboard in a real browser: Debian's chromium, headless, driven by playwright-core. A
// supervisor opens it; a caller asks for a person and waits in the queue; the board shows the
// waiting call, the queue, the agents and the call's alerts as they happen. A screenshot is saved
// for a person to look at (test-output/wallboard.png).
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput } from "../../core/mod.ts";
import { launchChromium, requireChromium } from "../../core/chromium-testing.ts";
import { waitFor } from "../../core/testing.ts";
import { TonePhone } from "../../core/tone-phone.ts";
import { kpi } from "../kpi/mod.ts";
import { tts } from "../tts/mod.ts";
import { routing } from "./mod.ts";

const OUTPUT = resolve(import.meta.dirname ?? ".", "../../test-output");
const SUPERVISOR = "supervisor-wallboard-token-0123";
const ANN = "agent-ann-wallboard-0123";

test("wallboard: a supervisor sees the waiting caller, the queue, the agents and the call's alerts live, then listens to the answered call and whispers, switching live; without a token it says so", async () => {
  if (!requireChromium()) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "46780-46799" }, auth: { tokens: ["admin-wallboard-token-0123"], supervisorTokens: [SUPERVISOR] }, logLevel: "silent" })
    .use(tts)
    .use(routing, { agents: [{ id: "ann", name: "Ann Lee", token: ANN }, { id: "bob", name: "Bob Roe", token: "agent-bob-wallboard-0123" }], announceEverySeconds: 0 })
    .use(kpi);
  const { port } = await server.listen();
  const browser = await launchChromium();
  const caller = new TonePhone("pcmu", 600);
  const agentPhone = new TonePhone("opus", 900);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const loaded = Date.now();
    await page.goto(`http://127.0.0.1:${port}/wallboard`);
    assert.is(await page.title(), "Parley wallboard");
    await page.locator("#status", { hasText: "token is needed" }).waitFor();
    await page.getByLabel("Supervisor or API token").fill(SUPERVISOR);
    await page.getByLabel("Supervisor or API token").press("Enter");
    await page.getByLabel("Supervisor or API token").blur();
    await page.locator("#agents tr", { hasText: "Ann Lee" }).waitFor();
    console.log(`wallboard: agents shown ${Date.now() - loaded} ms after loading`);
    assert.match(await page.locator("#agents").innerText(), /Bob Roe\s+offline/);

    await caller.call(server);
    const callEvents: { type: string; offerId?: string; mode?: string }[] = [];
    caller.session.events$.subscribe((event) => callEvents.push(event as never));
    caller.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
    await page.locator("#t-waiting dd", { hasText: "1" }).waitFor();
    assert.match(await page.locator("#queues").innerText(), /support\s+1/);
    await page.locator("#calls tr", { hasText: "queue" }).waitFor();
    caller.session.emit({ type: "emotion", scope: "utterance", status: "ok", label: "angry", score: 0.9, valence: -0.8, arousal: 0.9, startMs: 0, endMs: 1000, source: "emotion" } as unknown as EventInput);
    caller.session.emit({ type: "emotion.escalation", label: "angry", score: 0.9, threshold: 0.7, sinceMs: 0, durationMs: 4000, source: "emotion" } as EventInput);
    await page.locator("#calls tr", { hasText: "caller angry" }).waitFor();
    assert.match(await page.locator("#alerts").innerText(), /caller angry/, "the alert is announced to screen readers");
    assert.match(await page.locator("#calls").innerText(), /angry/);

    // Every control is named, and the page has its landmarks.
    const unnamed = await page.evaluate(() => Array.from(document.querySelectorAll("input, button, a")).filter((el) => !(el as HTMLElement).innerText?.trim() && !el.getAttribute("aria-label") && !(el as HTMLInputElement).labels?.length).length);
    assert.is(unnamed, 0, "controls without an accessible name");
    assert.ok(await page.getByRole("banner").isVisible());
    assert.ok(await page.getByRole("main").isVisible());
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: join(OUTPUT, "wallboard.png") });
    console.log(`screenshot: ${join(OUTPUT, "wallboard.png")}`);

    // Ann takes the call over an RTP leg; the supervisor listens from the board, then whispers.
    const as = (token: string, body: unknown) => ({ method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    const base = `http://127.0.0.1:${port}`;
    const leg = await (await fetch(`${base}/v1/agent/leg`, as(ANN, { codec: "opus", remote: `127.0.0.1:${await agentPhone.bind()}` }))).json() as { port: number };
    agentPhone.send(leg.port);
    assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);
    await waitFor(() => callEvents.some((event) => event.type === "queue.offered"), 10000, "the offer to Ann");
    const offerId = callEvents.find((event) => event.type === "queue.offered")!.offerId!;
    assert.is((await fetch(`${base}/v1/offers/${offerId}/accept`, as(ANN, {}))).status, 200);
    const row = page.locator("#calls tr", { hasText: "Ann Lee" });
    await row.getByRole("button", { name: "Listen" }).click();
    await waitFor(() => callEvents.some((event) => event.type === "supervisor.mode" && event.mode === "listen"), 15000, "the supervisor listening");
    await page.locator("#supervising", { hasText: "listen" }).waitFor();
    assert.is(await row.getByRole("button", { name: "Listen" }).getAttribute("aria-pressed"), "true");
    await row.getByRole("button", { name: "Whisper" }).click();
    await waitFor(() => callEvents.some((event) => event.type === "supervisor.mode" && event.mode === "whisper"), 10000, "the supervisor whispering");
    assert.is(server.sessions().filter((session) => session.info.metadata.supervisorLeg).length, 1, "one audio leg, switched live, no reconnect");
    assert.is(await page.locator("#calls tr").count(), 1, "the supervisor's own leg is not a call");
    // A supervisor on the keyboard keeps focus on the button across the board's refresh, which rebuilds the rows.
    const barge = await row.getByRole("button", { name: "Barge" }).elementHandle();
    await barge!.focus();
    await page.waitForFunction((button) => !button.isConnected, barge, { timeout: 10000 });
    assert.equal(await page.evaluate(() => [document.activeElement?.textContent, document.activeElement?.closest("tr")?.textContent?.includes("Ann Lee")]), ["Barge", true], "focus stays on the call's Barge button");
    await page.screenshot({ path: join(OUTPUT, "wallboard-supervising.png") });
    await row.getByRole("button", { name: "Leave" }).click();
    await waitFor(() => callEvents.some((event) => event.type === "supervisor.left"), 10000, "the supervisor leaving");

    await caller.session.hangup("caller_hangup");
    await page.locator("#no-calls").waitFor({ state: "visible" });
    await page.locator("#t-waiting dd", { hasText: "0" }).waitFor();
  } finally {
    await agentPhone.close();
    await caller.close();
    await browser.close();
    await server.close();
  }
});

test.run();
