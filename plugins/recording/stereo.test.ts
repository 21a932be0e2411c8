import { test } from "uvu";
import * as assert from "uvu/assert";
import { StereoAligner } from "./stereo.ts";

function run(slack: number, maxAhead = 1000) {
  const out: number[] = [];
  const aligner = new StereoAligner(slack, maxAhead, (samples) => out.push(...samples));
  return { aligner, left: () => out.filter((_, i) => i % 2 === 0), right: () => out.filter((_, i) => i % 2 === 1) };
}
const block = (value: number, count = 10) => new Int16Array(count).fill(value);

test("caller audio in step with the ticks is interleaved sample for sample", () => {
  const { aligner, left, right } = run(20);
  for (let i = 1; i <= 3; i++) {
    aligner.left(block(i));
    aligner.right(block(-i));
  }
  assert.equal(left(), [...block(1), ...block(2), ...block(3)]);
  assert.equal(right(), [...block(-1), ...block(-2), ...block(-3)]);
});

test("a pause in the caller's stream longer than the slack becomes silence, so later audio stays where it was heard", () => {
  const { aligner, left, right } = run(20);
  aligner.left(block(1));
  aligner.right(block(9));
  for (let i = 0; i < 5; i++) aligner.right(block(9));
  aligner.left(block(2));
  aligner.right(block(9));
  aligner.end();
  // 60 ticks of right; the second caller block lands two ticks (the slack) before its own tick.
  assert.is(right().length, 70);
  assert.equal(left().slice(0, 10), [...block(1)]);
  assert.equal(left().slice(10, 40), [...block(0, 30)]);
  assert.equal(left().slice(40, 50), [...block(2)]);
  assert.is(left().length, 70);
});

test("caller audio that runs far ahead of the clock (ticks skipped in a stall) keeps every sample: the right is padded with silence", () => {
  const { aligner, left, right } = run(20, 30);
  aligner.left(block(1, 50));
  assert.equal(left(), [...block(1, 20)], "what runs more than 30 ahead is written at once, against silence");
  aligner.right(block(9, 30));
  aligner.end();
  assert.equal(left(), [...block(1, 50)]);
  assert.equal(right(), [...block(0, 20), ...block(9, 30)]);
  assert.is(aligner.paddedSamples, 20);
});


test("blocks given back once written are carved again from the same memory, and blocks still held are never overwritten", () => {
  const blocks: Int16Array[] = [];
  const aligner = new StereoAligner(20, 1000, (samples) => blocks.push(samples), 80);
  for (let i = 1; i <= 4; i++) {
    aligner.left(block(i));
    aligner.right(block(-i));
  }
  // Four 20-sample blocks fill the 80-sample ring; the first two are written and given back.
  aligner.release(40);
  aligner.left(block(5));
  aligner.right(block(-5));
  assert.is(blocks[4]!.buffer, blocks[0]!.buffer);
  assert.equal([...blocks[2]!.filter((_, i) => i % 2 === 0)], [...block(3)]);
  assert.equal([...blocks[4]!.filter((_, i) => i % 2 === 0)], [...block(5)]);
});

test.run();
