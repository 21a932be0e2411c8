import { test } from "uvu";
import * as assert from "uvu/assert";
import { createResampler } from "../resampler.ts";
import { createRng, whiteNoise } from "../signal-test-utils.ts";
import { CEPSTRA, extractFeatureFrames, FeatureExtractor, type FeatureFrame, type FeatureOptions } from "./features.ts";
import { telephoneChannel } from "./telephone-channel.ts";
import { blocks, concat, pause, syntheticUtterance, syntheticVowel } from "./voice-test-utils.ts";

const SCALARS = ["index", "timestamp", "levelDb", "zcr", "clipped", "amplitude", "f0", "clarity", "centroid", "rolloff", "flatness", "flux"] as const;
const VECTORS = ["mfcc", "narrowMfcc", "lfcc", "narrowLfcc", "highLfcc"] as const;

/** Every number of a frame, in a fixed order. */
function numbers(frame: FeatureFrame): number[] {
  return [...SCALARS.map((key) => frame[key]), ...VECTORS.flatMap((key) => [...frame[key]])];
}

/** Speech, silence, steady noise and speech again: frames of every kind. */
function mixedClip(): Int16Array {
  return concat(pause(0.3, 16000, 20), syntheticUtterance(4), pause(0.5), whiteNoise(createRng(2), 8000, 400), syntheticUtterance(3, 180), pause(0.3));
}

/** The frames of `samples` fed in `blockSize` blocks, each handed to `onFrame` as it comes. */
function framesOf(samples: Int16Array, options: FeatureOptions, blockSize = 320, onFrame: (frame: FeatureFrame) => void = () => {}): FeatureFrame[] {
  const extractor = new FeatureExtractor(options);
  const frames: FeatureFrame[] = [];
  for (let at = 0; at < samples.length; at += blockSize) {
    extractor.push(samples.subarray(at, at + blockSize), at / 16, (frame) => {
      frames.push(frame);
      onFrame(frame);
    });
  }
  return frames;
}

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

test("the features of a fixed clip are those the extractor gave before it analysed frames lazily", () => {
  // Per-field sums of absolute values from the extractor that analysed every frame as it came
  // (commit a23fa23). 1e-9 relative: Node and Deno differ in the last bits of Math.log and Math.exp.
  const before: Record<string, number> = {
    timestamp: 298248, levelDb: 7829.6307003701895, zcr: 28.43444227005869, clipped: 0, amplitude: 850948, f0: 11762.89221794371,
    clarity: 87.02207562578022, centroid: 99556.00277492714, rolloff: 169812.5, flatness: 77.35089579644858, flux: 1.8496255955917404,
    mfcc: 25318.926881516934, narrowMfcc: 20994.28589799785, lfcc: 20253.34975548525, narrowLfcc: 18686.942844818383, highLfcc: 10238.823182941116,
  };
  const frames = extractFeatureFrames(mixedClip());
  assert.is(frames.length, 172);
  for (const [key, expected] of Object.entries(before)) {
    const sum = frames.reduce((total, frame) => {
      const value = frame[key as keyof FeatureFrame];
      return total + (typeof value === "number" ? Math.abs(value) : value.reduce((a, v) => a + Math.abs(v), 0));
    }, 0);
    assert.ok(Math.abs(sum - expected) <= 1e-9 * expected, `${key}: ${sum}, before ${expected}`);
  }
});

test("every feature is identical whether frames are analysed as they come or when read, in any order, from any block size", () => {
  const clip = mixedClip();
  const reference = framesOf(clip, { speechGate: false }).map(numbers);
  const readAsTheyCome: number[][] = [];
  framesOf(clip, {}, 320, (frame) => readAsTheyCome.push(numbers(frame)));
  const readLast = framesOf(clip, {}, 77).reverse().map(numbers).reverse();
  const readAfterwards = framesOf(clip, {}, 1000).map(numbers);
  for (const frames of [readAsTheyCome, readLast, readAfterwards]) {
    assert.is(frames.length, reference.length);
    frames.forEach((values, i) => values.forEach((value, j) => assert.ok(Object.is(value, reference[i]![j]), `frame ${i}, number ${j}: ${value} against ${reference[i]![j]}`)));
  }
});

test("silence and steady noise cost a level measurement: their pitch and spectrum are computed only if read", () => {
  const extractor = new FeatureExtractor();
  const frames: FeatureFrame[] = [];
  const push = (samples: Int16Array) => {
    for (const block of blocks(samples)) extractor.push(block, 0, (frame) => frames.push(frame));
  };
  push(new Int16Array(16000 * 5));
  assert.equal(extractor.work, { frames: 249, pitches: 0, spectra: 0 });
  // Noise is new at first, louder than the silence before it; once the noise floor has seen 4 s of it, it is the floor.
  push(whiteNoise(createRng(4), 16000 * 5, 300));
  const warm = extractor.work;
  push(whiteNoise(createRng(5), 16000 * 5, 300));
  assert.equal(extractor.work, { frames: warm.frames + 250, pitches: warm.pitches, spectra: warm.spectra });
  const spectra = extractor.work.spectra;
  assert.ok(frames[100]!.mfcc.every(Number.isFinite) && frames[100]!.f0 === 0);
  assert.is(extractor.work.spectra, spectra + 1, "reading a silent frame analyses it");
  push(syntheticUtterance(4));
  assert.ok(extractor.work.spectra - spectra > 40, "speech is analysed as it comes");
});

test.run();
