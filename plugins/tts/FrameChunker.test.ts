import { test } from "uvu";
import * as assert from "uvu/assert";
import { FrameChunker } from "./FrameChunker.ts";

test("chunks of any size come out as consecutive 20 ms frames with timestamps and sequence numbers", () => {
  const chunker = new FrameChunker(22050);
  const input = Int16Array.from({ length: 1000 }, (_, i) => i);
  const frames = [...chunker.push(input.subarray(0, 300)), ...chunker.push(input.subarray(300, 1000))];
  assert.equal(frames.map((f) => f.samples.length), [441, 441]);
  assert.equal(frames.map((f) => f.timestamp), [0, 20]);
  assert.equal(frames.map((f) => f.seq), [0, 1]);
  assert.is(frames[1]!.samples[0], 441, "no sample lost or repeated at the chunk boundary");
  const tail = chunker.flush();
  assert.is(tail.length, 1);
  assert.equal([tail[0]!.samples.length, tail[0]!.samples[0], tail[0]!.timestamp], [118, 882, 40]);
  assert.equal(chunker.flush(), [], "nothing left after a flush");
});

test("frames own their samples: later input does not change frames already returned", () => {
  const chunker = new FrameChunker(8000);
  const [frame] = chunker.push(new Int16Array(160).fill(7));
  chunker.push(new Int16Array(160).fill(9));
  assert.ok(frame!.samples.every((s) => s === 7));
});

test.run();
