import { from, lastValueFrom, Subject, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, sine, whiteNoise } from "../../media/signal-test-utils.ts";
import { optionalSpeechClip, resample, speechClip, toFrames } from "../testing.ts";
import type { VoiceActivityDetector } from "./VoiceActivityDetector.ts";
import { createWebRtcVad } from "./webrtc-vad.ts";

const classify = (vad: VoiceActivityDetector, samples: Int16Array, rate: number, frameMs = 20) =>
  lastValueFrom(vad.classify(from(toFrames(samples, rate, frameMs))).pipe(toArray()));

/** Share of decisions called speech between two media times. */
function speechShare(decisions: { timestamp: number; speech: boolean }[], fromMs: number, toMs: number): number {
  const inside = decisions.filter((d) => d.timestamp >= fromMs && d.timestamp < toMs);
  return inside.filter((d) => d.speech).length / inside.length;
}

test("digital silence is never speech", async () => {
  const vad = await createWebRtcVad();
  const decisions = await classify(vad, new Int16Array(16000), 16000);
  assert.is(decisions.length, 50);
  assert.ok(decisions.every((d) => !d.speech && d.probability === 0));
});

test("quiet steady noise (-35 dBFS) is not speech once the detector has adapted (mode 3)", async () => {
  // Louder white noise fools this energy-and-spectrum model; the Silero engine is the one for noisy lines.
  const vad = await createWebRtcVad({ mode: 3 });
  const decisions = await classify(vad, whiteNoise(createRng(7), 48000, 1000), 16000);
  assert.ok(speechShare(decisions, 200, 3000) < 0.05);
});

test("real speech is found where it is and not in the leading silence (goforward.wav)", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  const vad = await createWebRtcVad();
  const decisions = await classify(vad, clip.samples, clip.sampleRate);
  // pocketsphinx aligns "go forward ten meters" to 0.46-2.11 s.
  assert.ok(speechShare(decisions, 0, 400) < 0.1, "leading silence");
  assert.ok(speechShare(decisions, 500, 2100) > 0.8, "the words");
});

test("frames of any length and rate get exactly one decision each, in order (7 ms at 44.1 kHz)", async () => {
  const clip = optionalSpeechClip("goforward.wav");
  const signal = clip ? resample(clip.samples, 16000, 44100) : sine(300, 44100, 44100);
  const vad = await createWebRtcVad();
  const frames = toFrames(signal, 44100, 7);
  const decisions = await lastValueFrom(vad.classify(from(frames)).pipe(toArray()));
  assert.is(decisions.length, frames.length);
  assert.equal(decisions.map((d) => d.timestamp), frames.map((f) => f.timestamp));
  if (clip) assert.ok(speechShare(decisions, 500, 2100) > 0.7);
});

test("a frame's verdict is the share of speech in the 10 ms blocks it completes, whatever the frame length", async () => {
  const clip = optionalSpeechClip("goforward.wav");
  const rng = createRng(3);
  const signal = clip ? clip.samples : sine(300, 16000, 48000).map((s, i) => (i % 8000 < 4000 ? s + rng() * 2000 : 0));
  const vad = await createWebRtcVad();
  const blocks = (await classify(vad, signal, 16000, 10)).map((d) => d.probability);
  // 7 ms carries partial blocks over; 250 ms is longer than the engine's first scratch buffer.
  for (const frameMs of [7, 20, 30, 60, 250]) {
    const decisions = await classify(vad, signal, 16000, frameMs);
    let done = 0;
    let expected = 0;
    decisions.forEach((decision, i) => {
      const completed = Math.floor(((i + 1) * frameMs) / 10);
      if (completed > done) expected = blocks.slice(done, completed).reduce((sum, p) => sum + p, 0) / (completed - done);
      done = completed;
      assert.is(decision.probability, expected, `${frameMs} ms frame ${i}`);
    });
  }
});

test("8 kHz telephone audio is classified at its own rate", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  const vad = await createWebRtcVad();
  const decisions = await classify(vad, resample(clip.samples, 16000, 8000), 8000);
  assert.ok(speechShare(decisions, 500, 2100) > 0.8);
  assert.ok(speechShare(decisions, 0, 400) < 0.1);
});

test("clipped speech is still speech", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  const clipped = clip.samples.map((s) => Math.max(-3000, Math.min(3000, s * 8)));
  const vad = await createWebRtcVad();
  assert.ok(speechShare(await classify(vad, clipped, 16000), 500, 2100) > 0.8);
});

test("closing the engine errors the streams still classifying", async () => {
  const vad = await createWebRtcVad();
  const input = new Subject<{ samples: Int16Array; sampleRate: number; timestamp: number; seq: number }>();
  let failure: unknown;
  vad.classify(input).subscribe({ error: (error) => (failure = error) });
  await vad.close();
  assert.match(String(failure), /closed/);
  assert.not.ok(input.observed, "the stream's subscription to its frames was released");
});

test("a mode outside 0-3 is refused", async () => {
  try {
    await createWebRtcVad({ mode: 5 as 3 });
    assert.unreachable();
  } catch (error) {
    assert.match(String(error), /mode must be/);
  }
});

test.run();
