import { test } from "uvu";
import * as assert from "uvu/assert";
import { Int16Slab } from "./int16-slab.ts";

test("arrays taken from a slab never overlap, across many slabs, and start zeroed", () => {
  const slab = new Int16Slab(1024);
  const taken = Array.from({ length: 100 }, (_, i) => slab.take(100 + (i % 7)));
  taken.forEach((array, i) => {
    assert.ok(array.every((sample) => sample === 0), `array ${i} starts zeroed`);
    array.fill(i + 1);
  });
  taken.forEach((array, i) => assert.ok(array.every((sample) => sample === i + 1), `array ${i} was written by no other`));
});

test("an array larger than a slab gets a buffer of its own size", () => {
  const slab = new Int16Slab(64);
  const big = slab.take(100);
  assert.is(big.length, 100);
  assert.is(big.buffer.byteLength, 200);
  assert.is(slab.take(4).buffer.byteLength, 64, "the next ones come from a new slab");
});

test.run();
