// Real browsers in tests: Debian's chromium, headless, driven by playwright-core; what a page hears
// over WebRTC recorded in the page and decoded by ffmpeg; a page that speaks prepared audio on
// cue over WHIP. Test code only; not exported from mod.ts.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { requireTool, runFfmpeg, skipUnless } from "./testing.ts";

/** Where Debian installs chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/** True when chromium is installed; otherwise the test is skipped with the reason. */
export function requireChromium(): boolean {
  return requireTool("chromium") && skipUnless(existsSync(CHROMIUM), `${CHROMIUM} is missing`);
}

/** One headless chromium with fake media devices; `args` adds flags (a speech WAV as the microphone: `--use-file-for-fake-audio-capture=`). */
export async function launchChromium(args: string[] = []): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection", "--autoplay-policy=no-user-gesture-required",
      ...args,
    ],
  });
}

/**
 * An init script that records, in the page, what it hears: each remote WebRTC track through a
 * MediaRecorder (WebAudio taps of remote tracks go silent in headless chromium under load; the
 * recorder takes the decoded track as it is), on window.__recorded as WebM/Opus chunks, with the
 * remote tracks on window.__remoteTracks (for `recordPage`).
 */
export const RECORD_REMOTE_AUDIO = `(() => {
  const chunks = [];
  window.__recorded = chunks;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("track", (event) => {
        const recorder = new MediaRecorder(new MediaStream([event.track]), { mimeType: "audio/webm;codecs=opus", audioBitsPerSecond: 128000 });
        recorder.ondataavailable = (e) => chunks.push(e.data);
        window.__remoteTracks = [...(window.__remoteTracks ?? []), event.track];
        recorder.start(250);
      });
    }
  };
})();`;

/** What the page heard so far (RECORD_REMOTE_AUDIO), 16 kHz, decoded by ffmpeg through files in `dir`. */
export async function pageHeard(page: Page, dir: string, name: string): Promise<Int16Array> {
  const base64 = await page.evaluate(async () => {
    const blob = new Blob((window as unknown as { __recorded: Blob[] }).__recorded, { type: "audio/webm" });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(text);
  });
  return await decodeWebm(base64, dir, `${name}-heard`);
}

/** WebM/Opus (base64) as 16 kHz mono PCM, decoded by ffmpeg through files in `dir`. */
async function decodeWebm(base64: string, dir: string, name: string): Promise<Int16Array> {
  const webm = join(dir, `${name}.webm`);
  const raw = join(dir, `${name}.raw`);
  writeFileSync(webm, Buffer.from(base64, "base64"));
  await runFfmpeg(["-y", "-i", webm, "-ac", "1", "-ar", "16000", "-f", "s16le", raw], 20000);
  const bytes = readFileSync(raw);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)));
}

/**
 * Records what the page hears (its remote tracks, RECORD_REMOTE_AUDIO) from now until the returned
 * function is called, which gives it as 16 kHz PCM: what a party heard over one stretch of a call,
 * with no timeline to line up afterwards.
 */
export async function recordPage(page: Page, dir: string, name: string): Promise<() => Promise<Int16Array>> {
  await page.evaluate(() => {
    const w = window as unknown as { __remoteTracks: MediaStreamTrack[]; __stretch: { recorder: MediaRecorder; chunks: Blob[] } };
    if (!w.__remoteTracks?.length) throw new Error("the page has no remote track to record");
    const chunks: Blob[] = [];
    const recorder = new MediaRecorder(new MediaStream(w.__remoteTracks.map((track) => track.clone())), { mimeType: "audio/webm;codecs=opus", audioBitsPerSecond: 128000 });
    recorder.onerror = (e) => console.error("recorder", e);
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.start(100);
    w.__stretch = { recorder, chunks };
  });
  return async () => {
    const base64 = await page.evaluate(async () => {
      const { recorder, chunks } = (window as unknown as { __stretch: { recorder: MediaRecorder; chunks: Blob[] } }).__stretch;
      await new Promise((resolve) => {
        recorder.onstop = resolve;
        recorder.stop();
      });
      const bytes = new Uint8Array(await new Blob(chunks, { type: "audio/webm" }).arrayBuffer());
      if (bytes.length < 200) throw new Error(`recorded ${bytes.length} bytes in ${chunks.length} chunks, state ${recorder.state}, continuous ${(window as unknown as { __recorded: Blob[] }).__recorded.map((b) => b.size).join(",")}, tracks ${(window as unknown as { __remoteTracks: MediaStreamTrack[] }).__remoteTracks.map((t) => `${t.readyState}/${t.muted}`)}`);
      let text = "";
      for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      return btoa(text);
    });
    return await decodeWebm(base64, dir, name);
  };
}

/**
 * Opens a WebRTC leg from the page by WHIP (`path` with a bearer `token`, on the page's origin)
 * whose microphone is WebAudio playing nothing until `pageSay` cues one of `clips` (16 kHz PCM).
 * Returns the session id from the Location header.
 */
export async function openSpeakingLeg(page: Page, path: string, token: string, clips: readonly Int16Array[]): Promise<string> {
  const encoded = clips.map((clip) => Buffer.from(clip.buffer, clip.byteOffset, clip.byteLength).toString("base64"));
  return await page.evaluate(async ({ path, token, encoded }) => {
    const context = new AudioContext({ sampleRate: 48000 });
    await context.resume();
    const destination = context.createMediaStreamDestination();
    // A source of zeros keeps the graph rendering: with no source at all the track gives no frames and nothing is sent.
    const zeros = context.createConstantSource();
    zeros.offset.value = 0;
    zeros.connect(destination);
    zeros.start();
    const buffers = encoded.map((base64) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const pcm = new Int16Array(bytes.buffer);
      const buffer = context.createBuffer(1, pcm.length, 16000);
      const channel = buffer.getChannelData(0);
      for (let i = 0; i < pcm.length; i++) channel[i] = pcm[i]! / 32768;
      return buffer;
    });
    (window as unknown as { __say: (i: number) => void }).__say = (i) => {
      const source = context.createBufferSource();
      source.buffer = buffers[i]!;
      source.connect(destination);
      source.start();
    };
    const pc = new RTCPeerConnection();
    // Played out as a person's page would: chromium decodes a remote track only for a sink that plays it.
    pc.addEventListener("track", (event) => {
      const element = new Audio();
      element.srcObject = new MediaStream([event.track]);
      void element.play();
    });
    pc.addTrack(destination.stream.getAudioTracks()[0]!, destination.stream);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") resolve();
      pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
      setTimeout(resolve, 2000);
    });
    const response = await fetch(path, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/sdp" }, body: pc.localDescription!.sdp });
    if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
    return response.headers.get("location")!.split("/").pop()!;
  }, { path, token, encoded });
}

/** The page's leg (openSpeakingLeg) starts saying clip `index` now. */
export async function pageSay(page: Page, index: number): Promise<void> {
  await page.evaluate((i) => (window as unknown as { __say: (i: number) => void }).__say(i), index);
}
