import { test } from "uvu";
import * as assert from "uvu/assert";
import { Masker } from "./masker.ts";

/** A masker over mono "frames" numbered from 1, so what comes out shows which frames were zeroed. */
function run(hold: number) {
  const out: number[] = [];
  const masker = new Masker(1, hold, (samples) => out.push(...samples));
  let next = 1;
  const feed = (count: number) => masker.push(Int16Array.from({ length: count }, () => next++));
  return { masker, out, feed };
}

test("audio is held back by the lookback and passed on unchanged when nothing is masked", () => {
  const { masker, out, feed } = run(4);
  feed(6);
  assert.equal(out, [1, 2]);
  assert.is(masker.position, 6);
  assert.is(masker.earliest, 2);
  masker.drain();
  assert.equal(out, [1, 2, 3, 4, 5, 6]);
});

test("a stretch that begins in the past zeroes the held frames it covers, and ends where it was closed", () => {
  const { masker, out, feed } = run(4);
  feed(6);
  const span = masker.mask("api", 3);
  feed(4);
  masker.close(span, 8);
  feed(4);
  masker.drain();
  // Frame n (from 0) carries n + 1: frames 3 to 7 are zeroed.
  assert.equal(out, [1, 2, 3, 0, 0, 0, 0, 0, 9, 10, 11, 12, 13, 14]);
});

test("a stretch cannot begin before what was already written: it is clamped to the earliest frame held", () => {
  const { masker, out, feed } = run(2);
  feed(8);
  const span = masker.mask("dtmf", 1, 7);
  assert.is(span.start, 6);
  masker.drain();
  assert.equal(out, [1, 2, 3, 4, 5, 6, 0, 8]);
});

test("an open stretch masks everything after its start, across blocks, until the end of the recording", () => {
  const { masker, out, feed } = run(0);
  feed(3);
  masker.mask("voicebot.collect", masker.position);
  feed(5);
  feed(2);
  masker.drain();
  assert.equal(out, [1, 2, 3, 0, 0, 0, 0, 0, 0, 0]);
});

test("both channels of an interleaved block are zeroed, frame by frame", () => {
  const out: number[] = [];
  const masker = new Masker(2, 4, (samples) => out.push(...samples));
  masker.push(Int16Array.from([1, -1, 2, -2, 3, -3, 4, -4]));
  masker.mask("dtmf", 1, 3);
  masker.drain();
  assert.equal(out, [1, -1, 0, 0, 0, 0, 4, -4]);
});

test.run();
