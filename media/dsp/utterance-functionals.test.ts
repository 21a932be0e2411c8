import { test } from "uvu";
import * as assert from "uvu/assert";
import { extractFeatureFrames } from "./features.ts";
import { activeFrames } from "./speech-check.ts";
import { cepstralStatistics, cepstralStatisticsNames, PROSODIC_STATISTICS_NAMES, prosodicStatistics } from "./utterance-functionals.ts";
import { concat, pause, syntheticVowel } from "./voice-test-utils.ts";

const rising = extractFeatureFrames(syntheticVowel({ f0: 110, endF0: 220, seconds: 1.5 }));

test("every statistic has a name, and an empty utterance gives the same lengths in zeros", () => {
  for (const options of [{}, { from: 1, deltas: false }]) {
    assert.is(cepstralStatistics(rising, "lfcc", options).length, cepstralStatisticsNames("lfcc", options).length);
    assert.ok(cepstralStatistics([], "narrowMfcc", options).every((x) => x === 0));
  }
  assert.is(prosodicStatistics(rising).length, PROSODIC_STATISTICS_NAMES.length);
  assert.ok(prosodicStatistics([]).every(Number.isFinite));
});

test("a pitch glide of an octave reads as a 12-semitone range with a rising slope", () => {
  const stats = prosodicStatistics(rising);
  const value = (name: string) => stats[PROSODIC_STATISTICS_NAMES.indexOf(name)]!;
  assert.ok(value("pitch.range_st") > 8 && value("pitch.range_st") < 13, `range ${value("pitch.range_st")}`);
  assert.ok(value("pitch.slope_st_per_s") > 5);
  assert.ok(value("voiced.share") > 0.9);
});

test("activeFrames drops the quiet frames, and both it and the prosody are computed once per array", () => {
  const frames = extractFeatureFrames(concat(pause(0.5), syntheticVowel({ f0: 150, seconds: 0.5 })));
  const active = activeFrames(frames);
  assert.ok(active.length < frames.length && active.every((frame) => frame.levelDb > -60));
  assert.is(activeFrames(frames), active);
  assert.is(prosodicStatistics(active), prosodicStatistics(active));
});

test.run();
