import { test } from "uvu";
import * as assert from "uvu/assert";
import { SampleAppender, type SampleSink } from "./appender.ts";

/** A sink that fails the writes it is told to (a full disk) and records what it was given. */
function sink(failing: (write: number) => boolean) {
  const batches: number[] = [];
  const target: SampleSink = {
    write: (_blocks, samples) => {
      batches.push(samples);
      return failing(batches.length) ? Promise.reject(new Error("disk full")) : Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return { batches, target };
}

test("each batch's samples are counted as written once the sink is done with them, also when its write fails", async () => {
  const { batches, target } = sink((write) => write === 2);
  const written: number[] = [];
  const audio = new SampleAppender(target, (samples) => written.push(samples));
  audio.append(new Int16Array(6));
  audio.append(new Int16Array(4));
  const first = audio.flush();
  assert.equal(written, [], "counted before the write ended");
  await first;
  audio.append(new Int16Array(8));
  await audio.flush().catch(() => {});
  await audio.close();
  assert.equal(batches, [10, 8, 0]);
  assert.equal(written, [10, 8, 0]);
  assert.is(audio.dataBytes, 20, "a failed write's samples are not on disk");
});

test.run();
