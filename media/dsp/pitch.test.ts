import { test } from "uvu";
import * as assert from "uvu/assert";
import { createRng, whiteNoise } from "../signal-test-utils.ts";
import { PitchDetector } from "./pitch.ts";
import { syntheticVowel } from "./voice-test-utils.ts";

const detector = new PitchDetector({ sampleRate: 8000, frameLength: 320, minHz: 60, maxHz: 500 });

test("pure and harmonic-rich tones read their fundamental within 0.5%", () => {
  for (const f0 of [65, 100, 147, 220, 310, 450]) {
    const harmonic = Float64Array.from({ length: 320 }, (_, i) => {
      const phase = (2 * Math.PI * f0 * i) / 8000;
      return Math.sin(phase) + 0.6 * Math.sin(2 * phase) + 0.4 * Math.sin(3 * phase);
    });
    const estimate = detector.estimate(harmonic);
    assert.ok(Math.abs(estimate.frequency / f0 - 1) < 0.005, `${f0} Hz read ${estimate.frequency}`);
    assert.ok(estimate.clarity > 0.95);
  }
});

test("a voice whose fundamental is weaker than its second harmonic is not read an octave up", () => {
  const f0 = 110;
  const frame = Float64Array.from({ length: 320 }, (_, i) => {
    const phase = (2 * Math.PI * f0 * i) / 8000;
    return 0.3 * Math.sin(phase) + Math.sin(2 * phase) + 0.5 * Math.sin(3 * phase);
  });
  assert.ok(Math.abs(detector.estimate(frame).frequency - f0) < 1);
});

test("a synthetic vowel through formants reads its pulse rate", () => {
  const vowel = syntheticVowel({ f0: 180, seconds: 0.04, sampleRate: 8000 });
  const estimate = detector.estimate(Float64Array.from(vowel));
  assert.ok(Math.abs(estimate.frequency - 180) < 2, `read ${estimate.frequency}`);
});

test("noise has low clarity and silence has none", () => {
  const noise = Float64Array.from(whiteNoise(createRng(4), 320));
  assert.ok(detector.estimate(noise).clarity < 0.5);
  assert.equal(detector.estimate(new Float64Array(320)), { frequency: 0, clarity: 0 });
});

test.run();
