import { test } from "uvu";
import * as assert from "uvu/assert";
import { createResampler } from "../resampler.ts";
import { createRng, whiteNoise } from "../signal-test-utils.ts";
import { CEPSTRA, extractFeatureFrames, FeatureExtractor, type FeatureFrame } from "./features.ts";
import { telephoneChannel } from "./telephone-channel.ts";
import { blocks, syntheticUtterance, syntheticVowel } from "./voice-test-utils.ts";

test("one frame per 20 ms, stamped at the centre of its spectral window in stream time", () => {
  const extractor = new FeatureExtractor();
  const frames: FeatureFrame[] = [];
  for (const [i, block] of blocks(new Int16Array(16000)).entries()) extractor.push(block, 5000 + i * 20, (frame) => frames.push(frame));
  assert.is(frames.length, 49, "the first frame needs 40 ms");
  assert.is(frames[0]!.index, 0);
  assert.is(frames[0]!.timestamp, 5000 + 24);
  assert.is(frames[1]!.timestamp - frames[0]!.timestamp, 20);
  assert.is(frames[0]!.mfcc.length, CEPSTRA.mfcc);
  assert.is(frames[0]!.narrowMfcc.length, CEPSTRA.narrowMfcc);
  assert.is(frames[0]!.lfcc.length, CEPSTRA.lfcc);
  assert.is(frames[0]!.narrowLfcc.length, CEPSTRA.narrowLfcc);
  assert.is(frames[0]!.highLfcc.length, CEPSTRA.highLfcc);
});

test("the narrowband LFCC of a voice moves through a telephone channel by half as much as the full-band LFCC or less", () => {
  const clip = syntheticUtterance(4, 130);
  const wide = extractFeatureFrames(clip);
  const phone = extractFeatureFrames(telephoneChannel(clip));
  const shift = (key: "lfcc" | "narrowLfcc") => {
    let sum = 0;
    let count = 0;
    wide.forEach((frame, i) => {
      if (frame.levelDb < -40) return;
      for (let c = 1; c < 12; c++, count++) sum += Math.abs(frame[key][c]! - phone[i]![key][c]!);
    });
    return sum / count;
  };
  assert.ok(shift("narrowLfcc") < shift("lfcc") * 0.55, `narrowband ${shift("narrowLfcc")}, full band ${shift("lfcc")}`);
});

test("a synthetic vowel is voiced at its pitch, with its level", () => {
  const frames = extractFeatureFrames(syntheticVowel({ f0: 140, seconds: 1, amplitude: 16000 }));
  const voiced = frames.filter((frame) => frame.f0 > 0);
  assert.ok(voiced.length >= frames.length - 2, `${voiced.length} of ${frames.length} voiced`);
  for (const frame of voiced) assert.ok(Math.abs(frame.f0 - 140) < 2, `f0 ${frame.f0}`);
  assert.ok(frames[10]!.levelDb > -20 && frames[10]!.levelDb < 0);
  assert.ok(frames[10]!.clarity > 0.9);
});

test("silence is unvoiced at the silence floor, and noise is unvoiced and flat", () => {
  const silent = extractFeatureFrames(new Int16Array(8000));
  assert.ok(silent.every((frame) => frame.f0 === 0 && frame.levelDb === -100 && frame.mfcc.every(Number.isFinite)));
  const noise = extractFeatureFrames(whiteNoise(createRng(1), 8000, 8000));
  assert.ok(noise.filter((frame) => frame.f0 > 0).length <= 2);
  assert.ok(noise[10]!.flatness > 0.5);
});

test("clipping is measured", () => {
  const loud = syntheticVowel({ f0: 120, seconds: 0.5, amplitude: 32767 }).map((x) => Math.max(-32767, Math.min(32767, x * 4)));
  const frames = extractFeatureFrames(loud);
  assert.ok(frames[10]!.clipped > 0.05);
});

test("narrowband MFCC of an 8 kHz call upsampled to 16 kHz stay close to the wideband original's", () => {
  const vowel = syntheticVowel({ f0: 130, seconds: 1, formants: [500, 1500, 2500] });
  const narrow = createResampler(8000, 16000).process(createResampler(16000, 8000).process(vowel));
  const a = extractFeatureFrames(vowel)[30]!;
  const b = extractFeatureFrames(narrow)[30]!;
  let narrowDistance = 0;
  let wideDistance = 0;
  for (let k = 1; k < 12; k++) {
    narrowDistance += (a.narrowMfcc[k]! - b.narrowMfcc[k]!) ** 2;
    wideDistance += (a.mfcc[k]! - b.mfcc[k]!) ** 2;
  }
  assert.ok(narrowDistance < wideDistance / 4, `narrow ${narrowDistance} wide ${wideDistance}`);
});

test("reset starts a new stream: the same input gives the same frames", () => {
  const vowel = syntheticVowel({ f0: 200, seconds: 0.3 });
  const extractor = new FeatureExtractor();
  const run = () => {
    const frames: FeatureFrame[] = [];
    for (const block of blocks(vowel)) extractor.push(block, 0, (frame) => frames.push(frame));
    return frames.map((frame) => [frame.index, frame.f0, frame.mfcc[3]]);
  };
  const first = run();
  extractor.reset();
  assert.equal(run(), first);
});

test.run();
