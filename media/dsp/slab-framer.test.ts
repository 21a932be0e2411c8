import { test } from "uvu";
import * as assert from "uvu/assert";
import { SlabFramer } from "./slab-framer.ts";

/** Input sample n is n + 1, so a zero can only be history from before the stream. */
const input = Int16Array.from({ length: 3000 }, (_, i) => i + 1);

test("every frame, with its history, stays readable after later pushes and across slabs, whatever the block sizes", () => {
  for (const blockSize of [1, 7, 320, 1000, 3000]) {
    const framer = new SlabFramer(640, 320, 192, 3);
    const frames: { slab: Int16Array; at: number }[] = [];
    for (let at = 0; at < input.length; at += blockSize) {
      framer.push(input.subarray(at, at + blockSize), (slab, start, index) => {
        assert.is(index, frames.length);
        frames.push({ slab, at: start });
      });
    }
    assert.is(frames.length, 8, `block ${blockSize}`);
    assert.ok(new Set(frames.map((frame) => frame.slab)).size > 1, "the frames span several slabs");
    for (const [k, { slab, at }] of frames.entries()) {
      const expected = Array.from({ length: 192 + 640 }, (_, i) => Math.max(0, k * 320 - 192 + i + 1));
      assert.equal(Array.from(slab.subarray(at - 192, at + 640)), expected, `frame ${k}, block ${blockSize}`);
    }
  }
});

test("reset restarts numbering on a new slab, and frames handed out before keep their samples", () => {
  const framer = new SlabFramer(4, 2, 1);
  const seen: [number, number[]][] = [];
  const keep = (slab: Int16Array, at: number, index: number) => seen.push([index, Array.from(slab.subarray(at - 1, at + 4))]);
  framer.push(Int16Array.from([1, 2, 3, 4, 5]), keep);
  framer.reset();
  framer.push(Int16Array.from([7, 8, 9, 10]), keep);
  assert.equal(seen, [[0, [0, 1, 2, 3, 4]], [0, [0, 7, 8, 9, 10]]]);
});

test.run();
