// PCI over real RTP: the keys a caller presses (in-band tones, or a gateway's RFC 4733 events with
// the tone in the audio too) and the account digits they key and say must be absent from the recording: zeros in both
// channels over the masked intervals, and pocketsphinx run on the recording finds none of them,
// while it does find the digits said outside the masking (and those masked, in what was said).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer } from "../../core/mod.ts";
import { FfmpegPhone } from "../../core/ffmpeg-phone.ts";
import { concatFrames, requireTool, waitFor } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { rms, sine, toneAmplitude } from "../../media/signal-test-utils.ts";
import { createPocketsphinxEngine, digitsFromText, digitsGrammar } from "../asr/mod.ts";
import { recognize } from "../asr/conformance.ts";
import { pocketsphinxInstalled } from "../asr/test-calls.ts";
import { concatSamples, resample, RtpTestPeer } from "../testing.ts";
import { createFliteEngine } from "../tts/mod.ts";
import { synthesizeAll } from "../tts/testing.ts";
import type { RecordingDocument } from "./document.ts";
import { recording } from "./plugin.ts";
import { channels } from "./testing.ts";

const PORTS = "46720-46739";
const PHONE_RATE = 8000;
const RECORDING_RATE = 16000;
/** The row and column frequencies of each key. */
const KEYS: Record<string, [number, number]> = {
  "1": [697, 1209], "2": [697, 1336], "3": [697, 1477], "4": [770, 1209], "5": [770, 1336], "6": [770, 1477], "7": [852, 1209], "8": [852, 1336], "9": [852, 1477], "0": [941, 1336],
};

/** The in-band tone of a key, at the phone's rate. */
function keyTone(key: string, ms: number): Int16Array {
  const length = (PHONE_RATE * ms) / 1000;
  const [row, column] = KEYS[key]!;
  const low = sine(row, PHONE_RATE, length, 7000);
  const high = sine(column, PHONE_RATE, length, 7000);
  return low.map((sample, i) => sample + high[i]!);
}

const silence = (ms: number) => new Int16Array((PHONE_RATE * ms) / 1000);

/** Telephone-band speech of `text` (flite) at the phone's rate. */
async function spoken(text: string): Promise<Int16Array> {
  const flite = await createFliteEngine();
  try {
    const { frames } = await synthesizeAll(flite, text);
    return resample(concatFrames(frames), frames[0]!.sampleRate, PHONE_RATE);
  } finally {
    await flite.close();
  }
}

/** The finished recording of `sessionId`: its document and channels. */
async function finished(directory: string, sessionId: string): Promise<{ document: RecordingDocument; left: Int16Array; right: Int16Array }> {
  const path = join(directory, `${sessionId}.json`);
  await waitFor(() => existsSync(path), 5000, "the recording's document");
  const document = JSON.parse(readFileSync(path, "utf8")) as RecordingDocument;
  const [left, right] = channels(readWav(new Uint8Array(readFileSync(join(directory, document.audio.file)))).samples);
  return { document, left, right };
}

/** Samples of either channel that are not zero inside the masked intervals. */
function unmaskedSamples(document: RecordingDocument, left: Int16Array, right: Int16Array): number {
  let count = 0;
  for (const { startMs, endMs } of document.masked) {
    for (let i = Math.ceil((startMs * RECORDING_RATE) / 1000); i < Math.min(left.length, (endMs * RECORDING_RATE) / 1000); i++) if (left[i] !== 0 || right[i] !== 0) count++;
  }
  return count;
}

/**
 * The strongest trace of any of `keys` in a recorded channel, window by window (20 ms): the weaker
 * of a key's two tones where they make most of the window's level (at least half its RMS: a
 * key's tone does, the formants of speech reach a quarter to a third), else 0.
 */
function strongestKey(samples: Int16Array, keys: string): number {
  const window = RECORDING_RATE / 50;
  let strongest = 0;
  for (let start = 0; start + window <= samples.length; start += window / 2) {
    const level = rms(samples, start, start + window);
    for (const key of keys) {
      const tone = Math.min(...KEYS[key]!.map((frequency) => toneAmplitude(samples, frequency, RECORDING_RATE, start, start + window)));
      if (tone >= 0.5 * level) strongest = Math.max(strongest, tone);
    }
  }
  return strongest;
}

/**
 * The utterances of a recorded channel, [start, end) in samples: 20 ms windows above a quiet level,
 * pauses under 400 ms bridged, 300 ms kept on each side (the recogniser wants a little silence, and
 * loses words after a long stretch of digital silence).
 */
function utterances(samples: Int16Array): [number, number][] {
  const window = RECORDING_RATE / 50;
  const pad = (RECORDING_RATE * 300) / 1000;
  const found: [number, number][] = [];
  for (let at = 0; at + window <= samples.length; at += window) {
    if (rms(samples, at, at + window) < 100) continue;
    const last = found.at(-1);
    if (last && at - last[1] < (RECORDING_RATE * 400) / 1000) last[1] = at + window;
    else found.push([at, at + window]);
  }
  return found.map(([start, end]) => [Math.max(0, start - pad), Math.min(samples.length, end + pad)]);
}

async function withServer(run: (server: ParleyServer, directory: string, baseUrl: string) => Promise<void>): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), "parley-pci-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, logLevel: "error" }).use(recording, { directory, sampleRate: RECORDING_RATE });
  try {
    const { port } = await server.listen();
    await run(server, directory, `http://127.0.0.1:${port}`);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
}

test("an ffmpeg caller keys in-band tones on the call, then keys and says an account number while the bot collects it: zeros there, no tone left, and pocketsphinx finds none of its digits in the recording", async () => {
  if (!requireTool("ffmpeg") || !requireTool("flite") || !pocketsphinxInstalled()) return;
  const control = await spoken("one two three");
  const account = await spoken("four five six seven");
  const keys = (digits: string) => concatSamples(...[...digits].flatMap((key) => [keyTone(key, 120), silence(120)]));
  // Two keys on the call (a menu choice), then the account number keyed and said; the bot's
  // collection begins and ends in the middle of the silences around the account number.
  const parts = [silence(1000), control, silence(800), keys("98"), silence(1500), keys("4567"), silence(500), account, silence(1500), silence(1000)];
  const script = concatSamples(...parts);
  const offsets = parts.map((_, i) => parts.slice(0, i).reduce((sum, part) => sum + part.length, 0));
  const collectFrom = offsets[4]! + PHONE_RATE * 0.75;
  const collectTo = offsets[8]! + PHONE_RATE * 0.75;

  await withServer(async (server, directory, baseUrl) => {
    const dir = mkdtempSync(join(tmpdir(), "parley-pci-phone-"));
    const phone = new FfmpegPhone("pcmu", dir, "caller");
    try {
      const id = await phone.call(baseUrl, script);
      const session = server.sessions().find((candidate) => candidate.id === id)!;
      // The test plays the voice bot: it emits the collection's events where the caller's audio reaches them.
      let received = 0;
      session.audio(PHONE_RATE).subscribe((frame) => {
        const before = received;
        received += frame.samples.length;
        if (before < collectFrom && received >= collectFrom) session.emit({ type: "voicebot.collect.started", kind: "account", source: "voicebot" });
        if (before < collectTo && received >= collectTo) session.emit({ type: "voicebot.collect.ended", kind: "account", source: "voicebot" });
      });
      await waitFor(() => received >= script.length - PHONE_RATE * 0.2, (script.length / PHONE_RATE + 10) * 1000, "the caller's whole script");
      await session.hangup();
    } finally {
      await phone.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const { document, left, right } = await finished(directory, phone.sessionId);
    const collected = document.masked.filter((interval) => interval.reason === "voicebot.collect");
    assert.is(collected.length, 1, JSON.stringify(document.masked));
    assert.is(unmaskedSamples(document, left, right), 0, "zero energy in both channels over the masked intervals");

    const keysOnTheCall = document.masked.filter((interval) => interval.reason === "dtmf" && interval.endMs <= collected[0]!.startMs);
    assert.ok(keysOnTheCall.length >= 1, `the keys pressed before the collection are masked as keys: ${JSON.stringify(document.masked)}`);
    const keyTrace = strongestKey(left, "984567");
    console.log(`pci: masked ${collected[0]!.startMs}-${collected[0]!.endMs} ms for the bot's collection, keys on the call at ${keysOnTheCall.map((interval) => `${interval.startMs}-${interval.endMs}`).join(", ")} ms; the keyed tones' strongest trace ${keyTrace.toFixed(0)} (sent at 7000)`);
    assert.ok(keyTrace < 100, `no trace of the keyed tones: ${keyTrace}`);

    const engine = await createPocketsphinxEngine({ workers: 1 });
    try {
      const search = { type: "grammar" as const, jsgf: digitsGrammar({ minDigits: 1, maxDigits: 16 }) };
      // As speech analytics would run it: utterance by utterance, and over each masked interval as a whole.
      const masked = document.masked.map((interval) => [interval.startMs, interval.endMs].map((ms) => Math.round((ms * RECORDING_RATE) / 1000)) as [number, number]);
      let inRecording = "";
      for (const [from, to] of [...utterances(left), ...masked]) inRecording += digitsFromText((await recognize(engine, left.subarray(from, to), { search })).result.text);
      const said = resample(concatSamples(silence(300), account, silence(300)), PHONE_RATE, RECORDING_RATE);
      const inScript = digitsFromText((await recognize(engine, said, { search })).result.text);
      console.log(`pci: pocketsphinx finds "${inRecording}" in the recording, "${inScript}" in the account number as said`);
      assert.ok([..."4567"].filter((digit) => inScript.includes(digit)).length >= 3, `the recognizer finds the account's digits where they are not masked: ${inScript}`);
      assert.ok([..."123"].filter((digit) => inRecording.includes(digit)).length >= 2, `the recognizer finds the control digits in the recording: ${inRecording}`);
      assert.is([..."4567"].filter((digit) => inRecording.includes(digit)).join(""), "", "no digit of the account number in the recording");
    } finally {
      await engine.close();
    }
  });
});

test("a key pressed on any call, sent as RFC 4733 events with the tone in the audio too, is masked from the tone's start: no trace of the tone in the recording", async () => {
  const hum = sine(300, PHONE_RATE, PHONE_RATE, 3000);
  await withServer(async (server, directory) => {
    const { session, port } = await server.rtp.open({ codec: "pcmu" });
    const peer = new RtpTestPeer(port);
    try {
      await peer.sendRealTime(concatSamples(hum, silence(600)), PHONE_RATE);
      await peer.sendDtmfWithTone("5", keyTone("5", 160));
      await peer.sendRealTime(concatSamples(silence(600), hum), PHONE_RATE);
      await session.hangup();
    } finally {
      await peer.close();
    }
    const { document, left, right } = await finished(directory, session.id);
    assert.equal(document.masked.map((interval) => interval.reason), ["dtmf"]);
    assert.is(unmaskedSamples(document, left, right), 0, "zero energy in both channels over the masked interval");
    assert.not.ok(document.events.some((event) => event.type === "dtmf"), "the key is not among the kept events");
    const loudest = strongestKey(left, "5");
    const hummed = Math.min(...[0, 1].map((half) => toneAmplitude(left, 300, RECORDING_RATE, half * (left.length - RECORDING_RATE), half * (left.length - RECORDING_RATE) + RECORDING_RATE)));
    const { startMs, endMs } = document.masked[0]!;
    console.log(`pci: key masked ${startMs}-${endMs} ms; the tone's strongest trace ${loudest.toFixed(0)} (sent at 7000), the hum around it ${hummed.toFixed(0)} (sent at 3000)`);
    assert.ok(hummed > 1000, "the caller's audio before and after the key is kept");
    assert.ok(loudest < 100, `no trace of the tone: ${loudest}`);
  });
});

test.run();
