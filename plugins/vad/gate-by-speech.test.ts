import { delay, from, lastValueFrom, map, type Observable, toArray } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../../media/mod.ts";
import { gateBySpeech } from "./gate-by-speech.ts";
import type { VadDecision, VoiceActivityDetector } from "./VoiceActivityDetector.ts";

/** A detector that calls a frame speech when its first sample is non-zero; optionally answers late. */
function fakeDetector(asynchronous = false): VoiceActivityDetector {
  return {
    name: "fake",
    classify: (frames: Observable<AudioFrame>) => {
      const decisions = frames.pipe(map((f): VadDecision => ({ timestamp: f.timestamp, durationMs: 20, probability: f.samples[0] ? 1 : 0, speech: f.samples[0] !== 0 })));
      return asynchronous ? decisions.pipe(delay(1)) : decisions;
    },
    close: () => Promise.resolve(),
  };
}

/** 20 ms frames following a pattern: '#' speech, '.' silence. */
const frames = (pattern: string): AudioFrame[] =>
  [...pattern].map((c, i) => ({ samples: new Int16Array(320).fill(c === "#" ? 1000 : 0), sampleRate: 16000, timestamp: i * 20, seq: i }));

const gated = (pattern: string, asynchronous = false) =>
  lastValueFrom(from(frames(pattern)).pipe(gateBySpeech(fakeDetector(asynchronous), { preRollMs: 40, hangoverMs: 60 }), map((f) => f.seq), toArray()));

test("only speech passes, with preRollMs before it and hangoverMs after it", async () => {
  // frames 5-7 speech; pre-roll 40 ms = frames 3-4; hangover 60 ms = frames 8-10.
  assert.equal(await gated(".....###.........."), [3, 4, 5, 6, 7, 8, 9, 10]);
});

test("silence passes nothing", async () => {
  assert.equal(await gated(".........."), []);
});

test("a short pause inside the hangover keeps the gate open", async () => {
  assert.equal(await gated("##..##........"), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
});

test("an asynchronous detector gives the same frames in the same order", async () => {
  assert.equal(await gated(".....###..........", true), [3, 4, 5, 6, 7, 8, 9, 10]);
});

test.run();
