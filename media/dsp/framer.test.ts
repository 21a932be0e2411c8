import { test } from "uvu";
import * as assert from "uvu/assert";
import { Framer } from "./framer.ts";

test("frames are the same whatever the block sizes the samples arrive in", () => {
  const input = Array.from({ length: 1000 }, (_, i) => i);
  for (const blockSize of [1, 7, 160, 320, 1000]) {
    const framer = new Framer(400, 160);
    const frames: number[][] = [];
    for (let at = 0; at < input.length; at += blockSize) framer.push(Float64Array.from(input.slice(at, at + blockSize)), (frame, index) => {
      assert.is(index, frames.length);
      frames.push(Array.from(frame));
    });
    assert.is(frames.length, 4, `block ${blockSize}`);
    for (const [k, frame] of frames.entries()) assert.equal(frame, input.slice(k * 160, k * 160 + 400));
  }
});

test("reset forgets buffered samples and restarts numbering", () => {
  const framer = new Framer(4, 2);
  framer.push(Int16Array.from([1, 2, 3]), () => assert.unreachable("no complete frame yet"));
  framer.reset();
  const seen: number[][] = [];
  framer.push(Int16Array.from([5, 6, 7, 8]), (frame, index) => seen.push([index, ...frame]));
  assert.equal(seen, [[0, 5, 6, 7, 8]]);
  assert.is(framer.framesEmitted, 1);
});

test.run();
