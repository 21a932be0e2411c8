import { suite } from "uvu";
import * as assert from "uvu/assert";
import { SequenceUnwrapper, TimestampUnwrapper, seqDiff16, timestampDiff32 } from "./sequence.ts";

const sequence = suite("sequence");

sequence("seqDiff16 gives the signed shortest distance, across the wrap", () => {
  assert.is(seqDiff16(5, 3), 2);
  assert.is(seqDiff16(3, 5), -2);
  assert.is(seqDiff16(1, 65535), 2);
  assert.is(seqDiff16(65535, 1), -2);
  assert.is(seqDiff16(32767, 0), 32767);
  assert.is(seqDiff16(32768, 0), -32768);
});

sequence("timestampDiff32 gives the signed shortest distance, across the wrap", () => {
  assert.is(timestampDiff32(160, 0xffffff60), 320);
  assert.is(timestampDiff32(0xffffff60, 160), -320);
  assert.is(timestampDiff32(0x7fffffff, 0), 0x7fffffff);
  assert.is(timestampDiff32(0x80000000, 0), -0x80000000);
});

sequence("extends sequence numbers through several wraps", () => {
  const unwrapper = new SequenceUnwrapper();
  const start = 65000;
  for (let n = 0; n < 3 * 65536; n += 7) assert.is(unwrapper.unwrap((start + n) % 65536), start + n);
});

sequence("places packets reordered across the wrap on the right side of it", () => {
  const unwrapper = new SequenceUnwrapper();
  const arrivals = [65533, 65535, 0, 65534, 2, 1, 65532, 3];
  assert.equal(arrivals.map((seq) => unwrapper.unwrap(seq)), [65533, 65535, 65536, 65534, 65538, 65537, 65532, 65539]);
});

sequence("maps a late packet from before the first one below it, even negative", () => {
  const unwrapper = new SequenceUnwrapper();
  assert.is(unwrapper.unwrap(1), 1);
  assert.is(unwrapper.unwrap(65534), -2);
  assert.is(unwrapper.unwrap(2), 2);
});

sequence("measures late packets from the highest number seen, not the last one", () => {
  const unwrapper = new SequenceUnwrapper();
  unwrapper.unwrap(100);
  unwrapper.unwrap(30000);
  assert.is(unwrapper.unwrap(100), 100);
  // Measured from the late 100 this would be a step back across the wrap; from 30000 it is ahead.
  assert.is(unwrapper.unwrap(62000), 62000);
});

sequence("extends RTP timestamps across the 32-bit wrap, with reordering", () => {
  const unwrapper = new TimestampUnwrapper();
  const base = 2 ** 32 - 480;
  const arrivals = [0, 160, 480, 320, 640, 800].map((offset) => (base + offset) % 2 ** 32);
  assert.equal(arrivals.map((ts) => unwrapper.unwrap(ts)), [0, 160, 480, 320, 640, 800].map((offset) => base + offset));
});

sequence("keeps separate unwrappers independent", () => {
  const a = new SequenceUnwrapper();
  const b = new SequenceUnwrapper();
  a.unwrap(65535);
  a.unwrap(0);
  assert.is(b.unwrap(0), 0);
  assert.is(a.unwrap(1), 65537);
});

sequence.run();
