// test: alone (a browser on live calls, their audio judged by correlation)
// The console in a real browser: Debian's chromium, headless, driven by playwright-core. It loads
// the page, places a WHIP call from the Call button with a speech WAV as the fake microphone,
// checks that Parley decodes that speech and that Parley's audio reaches the page, and saves a
// screenshot for a person to look at (test-output/console.png), on both WebRTC edges.
import { mkdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { firstValueFrom } from "rxjs";
import { launchChromium, requireChromium } from "../../core/chromium-testing.ts";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { echo } from "../../examples/echo.ts";
import type { AudioFrame } from "../../core/mod.ts";
import { createServer } from "../../core/mod.ts";
import { concatFrames as concat, dataDir, findAlignment, requireData } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { requireMediasoup } from "../../core/webrtc/mediasoup-testing.ts";
import { consolePlugin } from "./mod.ts";

const SPEECH = "speech/goforward.wav";
const OUTPUT = resolve(import.meta.dirname ?? ".", "../../test-output");

for (const edge of ["werift", "mediasoup"] as const) {
test(`console (${edge} edge): lists the live call placed from its Call button; the speech is decoded and the echo reaches the page`, async () => {
  if (!requireChromium() || !requireData(SPEECH) || (edge === "mediasoup" && !(await requireMediasoup()))) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45500-45519" }, webrtc: { interfaces: ["127.0.0.1"], edge, workers: 1 } })
    .use(consolePlugin, { levelIntervalMs: 200 })
    .use(echo, { delayMs: 300 });
  const { port } = await server.listen();
  const wavPath = join(dataDir(), SPEECH);
  const browser = await launchChromium([`--use-file-for-fake-audio-capture=${wavPath}`]);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`http://127.0.0.1:${port}/`);
    assert.is(await page.title(), "Parley console");
    await page.getByText("No calls right now").waitFor();

    // The fake microphone has no acoustic echo, and echo cancellation would only alter it.
    await page.getByLabel("Echo cancellation").uncheck();
    const started = firstValueFrom(server.sessions$);
    await page.getByRole("button", { name: "Call" }).click();
    const session = await started;
    assert.is(session.info.transport, "webrtc");
    assert.is(session.info.metadata.source, "console");
    const frames: AudioFrame[] = [];
    session.audio(16000).subscribe((frame) => frames.push(frame));
    await page.locator("#sessions tr").first().waitFor();
    await page.getByRole("button", { name: "Hang up" }).waitFor();
    await page.waitForTimeout(6000);

    const inboundBytes = Number(await page.evaluate(() => document.body.dataset.inboundBytes ?? "0"));
    assert.ok(inboundBytes > 10000, `the page received ${inboundBytes} bytes of Parley's audio`);
    await page.locator("#sessions tr").first().click();
    mkdirSync(OUTPUT, { recursive: true });
    const screenshot = join(OUTPUT, edge === "werift" ? "console.png" : `console-${edge}.png`);
    await page.screenshot({ path: screenshot });
    console.log(`screenshot: ${screenshot}`);

    const reference = readWav(new Uint8Array(readFileSync(wavPath)));
    assert.is(reference.sampleRate, 16000);
    const decoded = concat(frames);
    const window = reference.samples.subarray(4000, reference.samples.length - 4000);
    const { correlation, lag } = findAlignment(window, decoded, 0, decoded.length - window.length);
    console.log(`console call (${edge}): decoded ${(decoded.length / 16000).toFixed(1)} s, speech correlation ${correlation.toFixed(3)} at ${(lag / 16).toFixed(0)} ms`);
    assert.ok(correlation >= 0.8, `decoded audio matches the WAV: correlation ${correlation.toFixed(3)}`);

    const closed = session.closed;
    await page.getByRole("button", { name: "Hang up" }).click();
    assert.is((await closed).reason, "whip_delete");
    await page.getByText("No calls right now").waitFor();
  } finally {
    await browser.close();
    await server.close();
  }
});
}

test.run();
