import { test } from "uvu";
import * as assert from "uvu/assert";
import { FifoSlab } from "./fifo-slab.ts";

test("arrays held at once never overlap, through wrapping round and growing, and each keeps what was written to it", () => {
  const slab = new FifoSlab(1000);
  const held: { array: Int16Array; mark: number }[] = [];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let step = 0; step < 20000; step++) {
    if (held.length === 0 || (slab.held < 1500 && random() < 0.6)) {
      const array = slab.take(1 + Math.floor(random() * 300));
      const mark = step % 30000;
      array.fill(mark);
      held.push({ array, mark });
    } else {
      // Released in order, sometimes only part of the oldest array (as a recording writes part of a block).
      const oldest = held[0]!;
      assert.ok(oldest.array.every((value) => value === oldest.mark), `step ${step}: an array was overwritten while held`);
      const part = random() < 0.3 ? Math.ceil(oldest.array.length / 2) : oldest.array.length;
      slab.release(part);
      if (part === oldest.array.length) held.shift();
      else oldest.array = oldest.array.subarray(part);
    }
    assert.is(slab.held, held.reduce((sum, entry) => sum + entry.array.length, 0));
  }
  for (const entry of held) assert.ok(entry.array.every((value) => value === entry.mark), "an array was overwritten while held");
});

test("a ring that is emptied in step with what is taken reuses its memory instead of growing", () => {
  const slab = new FifoSlab(640 * 20);
  const first = slab.take(640);
  slab.release(640);
  let buffer = first.buffer;
  for (let frame = 0; frame < 10000; frame++) {
    const array = slab.take(640);
    assert.is(array.buffer, buffer, `frame ${frame} came from a new buffer`);
    if (frame >= 10) slab.release(640);
    buffer = array.buffer;
  }
});

test("goes round to the ring's start only when that leaves the oldest held sample alone, and grows otherwise", () => {
  const slab = new FifoSlab(100);
  const oldest = slab.take(60);
  slab.release(50);
  slab.take(40);
  const tooLong = slab.take(51);
  assert.is.not(tooLong.buffer, oldest.buffer, "51 samples from the start would overwrite the oldest held sample (at 50)");
  const again = new FifoSlab(100);
  const first = again.take(60);
  again.release(50);
  again.take(40);
  const fits = again.take(49);
  assert.is(fits.buffer, first.buffer);
  assert.is(fits.byteOffset, 0);
});

test("releasing more than is held is refused", () => {
  const slab = new FifoSlab(100);
  slab.take(10);
  assert.throws(() => slab.release(11), /only 10 are held/);
});

test.run();
