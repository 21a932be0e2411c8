// Test helpers for the scenario tests with real clients (examples/*.e2e.test.ts): agent desktops in
// one headless chromium with a speech WAV as the microphone, waits on the server's events, speech
// from WAVs and from a synthesiser. Built on the shared ones (core/chromium-testing.ts, taps and the
// windowed correlation in core/testing.ts, scripts in plugins/testing.ts). Test code only.
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { launchChromium, RECORD_REMOTE_AUDIO } from "../core/chromium-testing.ts";
import type { ParleyServer, SessionEvent } from "../core/mod.ts";
import { concatFrames, dataDir, waitFor } from "../core/testing.ts";
import { resample, speechFiles } from "../plugins/testing.ts";
import type { TtsEngine } from "../plugins/tts/mod.ts";
import { synthesizeAll } from "../plugins/tts/testing.ts";

/** An agent as the routing plugin's API defines them (`POST /v1/agents`). */
export interface TestAgent {
  readonly id: string;
  readonly name: string;
  readonly token: string;
}

/**
 * Takes the microphone as the file is: chromium's voice processing (echo cancellation, noise
 * suppression, gain control) off whatever the page asks, so what Parley receives can be compared
 * with the WAV itself (processed, it correlates with the file at about 0.4).
 */
const RAW_MICROPHONE = `(() => {
  const devices = navigator.mediaDevices;
  const native = devices.getUserMedia.bind(devices);
  devices.getUserMedia = (constraints) => native(constraints && constraints.audio ? { ...constraints, audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } } : constraints);
})();`;

/** Mono PCM at `rate` from a WAV in the data folder. */
export function wavAt(file: string, rate: number): Int16Array {
  return speechFiles([file], rate);
}

/** `text` as the engine says it, mono PCM at `rate`. */
export async function spoken(engine: TtsEngine, text: string, rate: number): Promise<Int16Array> {
  const { frames } = await synthesizeAll(engine, text);
  return resample(concatFrames(frames), frames[0]!.sampleRate, rate);
}

/** One chromium for every agent (two of them starve each other's audio on a 2-core machine), with `microphone` (a WAV in the data folder) as the microphone. */
export function launchBrowser(microphone: string): Promise<Browser> {
  return launchChromium([`--use-file-for-fake-audio-capture=${join(dataDir(), microphone)}`]);
}

/**
 * An agent's desktop in its own browser context (its own cookies, storage and peer connection),
 * signed in on /agent, recording what the agent hears; `rawMicrophone`: without voice processing.
 */
export async function openDesktop(browser: Browser, baseUrl: string, agent: TestAgent, options: { rawMicrophone?: boolean } = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  await page.addInitScript(RECORD_REMOTE_AUDIO);
  if (options.rawMicrophone) await page.addInitScript(RAW_MICROPHONE);
  await page.goto(`${baseUrl}/agent`);
  await page.getByLabel("Agent token").fill(agent.token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByText(agent.name).waitFor();
  return { context, page };
}

/** Events of every session, in order. */
export function recordEvents(server: ParleyServer): SessionEvent[] {
  const events: SessionEvent[] = [];
  server.events$.subscribe((event) => events.push(event));
  return events;
}

/** The first event of `type` for `sessionId` that satisfies `match`, waited for. */
export async function eventOf<T extends SessionEvent["type"]>(events: SessionEvent[], type: T, sessionId: string, match: (event: Extract<SessionEvent, { type: T }>) => boolean = () => true, timeoutMs = 30000) {
  const find = () => events.find((e): e is Extract<SessionEvent, { type: T }> => e.type === type && e.sessionId === sessionId && match(e as Extract<SessionEvent, { type: T }>));
  await waitFor(() => find() !== undefined, timeoutMs, `${type} on ${sessionId}`, 50);
  return find()!;
}
