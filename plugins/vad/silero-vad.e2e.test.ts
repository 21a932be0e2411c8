import { from, lastValueFrom, Subject, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../../media/mod.ts";
import { createRng, whiteNoise } from "../../media/signal-test-utils.ts";
import { createSileroVad } from "./silero-vad.ts";
import { optionalSpeechClip, resample, speechClip, toFrames } from "../testing.ts";
import type { VoiceActivityDetector } from "./VoiceActivityDetector.ts";

let vad: VoiceActivityDetector;

const classify = (samples: Int16Array, rate: number, frameMs = 20) => lastValueFrom(vad.classify(from(toFrames(samples, rate, frameMs))).pipe(toArray()));

function speechShare(decisions: { timestamp: number; speech: boolean }[], fromMs: number, toMs: number): number {
  const inside = decisions.filter((d) => d.timestamp >= fromMs && d.timestamp < toMs);
  return inside.filter((d) => d.speech).length / inside.length;
}

test.before(async () => {
  vad = await createSileroVad();
});
test.after(() => vad.close());

test("loud white noise is not speech (where the WebRTC VAD gives up)", async () => {
  const decisions = await classify(whiteNoise(createRng(3), 32000, 10000), 16000);
  assert.is(decisions.length, 100);
  assert.ok(speechShare(decisions, 0, 2000) < 0.05);
});

test("digital silence is not speech and every probability is low", async () => {
  const decisions = await classify(new Int16Array(16000), 16000);
  assert.ok(decisions.every((d) => !d.speech && d.probability < 0.2));
});

test("real speech is found where it is (goforward.wav), even buried in noise at 10 dB SNR", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  assert.ok(speechShare(await classify(clip.samples, 16000), 500, 2100) > 0.85);
  assert.ok(speechShare(await classify(clip.samples, 16000), 0, 400) < 0.1);
  const noise = whiteNoise(createRng(5), clip.samples.length, 1000);
  const noisy = clip.samples.map((s, i) => Math.max(-32768, Math.min(32767, s + noise[i]!)));
  const decisions = await classify(noisy, 16000);
  assert.ok(speechShare(decisions, 500, 2100) > 0.7 && speechShare(decisions, 0, 400) < 0.2);
});

test("one decision per frame, in order, whatever the frame length and rate (8 kHz, 30 ms)", async () => {
  const clip = optionalSpeechClip("goforward.wav");
  const signal = clip ? resample(clip.samples, 16000, 8000) : whiteNoise(createRng(1), 16000, 500);
  const frames = toFrames(signal, 8000, 30);
  const decisions = await lastValueFrom(vad.classify(from(frames)).pipe(toArray()));
  assert.equal(decisions.map((d) => d.timestamp), frames.map((f) => f.timestamp));
  if (clip) assert.ok(speechShare(decisions, 500, 2100) > 0.8);
});

test("streams are independent: two calls classified at once keep their own state", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip) return;
  const silence = new Int16Array(clip.samples.length);
  const [a, b] = await Promise.all([classify(clip.samples, 16000), classify(silence, 16000)]);
  assert.ok(speechShare(a, 500, 2100) > 0.85);
  assert.ok(b.every((d) => !d.speech));
});

test("decisions arrive without waiting for the stream to end (the worker answers as windows fill)", async () => {
  const input = new Subject<AudioFrame>();
  const seen: number[] = [];
  const subscription = vad.classify(input).subscribe((d) => seen.push(d.timestamp));
  for (const frame of toFrames(new Int16Array(16000), 16000)) input.next(frame);
  const deadline = Date.now() + 2000;
  while (seen.length < 45 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  subscription.unsubscribe();
  assert.ok(seen.length >= 45, `got ${seen.length} of 50 decisions before the end`);
});

test("a model file that does not exist is a clear error at creation", async () => {
  try {
    await createSileroVad({ modelPath: "/nonexistent/silero.onnx" });
    assert.unreachable();
  } catch (error) {
    assert.match(String(error), /cannot load the Silero model \/nonexistent\/silero.onnx/);
  }
});

test.run();
