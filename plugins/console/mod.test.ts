import { test } from "uvu";
import * as assert from "uvu/assert";
import { LevelMeter } from "./mod.ts";

function levelOf(...frames: Int16Array[]) {
  const meter = new LevelMeter();
  for (const frame of frames) meter.add(frame);
  return meter.take();
}

test("the level meter gives RMS in dBFS and peak of full scale", () => {
  assert.equal(levelOf(new Int16Array(160).fill(32767)), { dbfs: 0, peak: 1 });
  assert.equal(levelOf(Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 16384 : -16384))).dbfs, -6);
  assert.equal(levelOf(new Int16Array(160)), { dbfs: -90, peak: 0 });
});

test("the level spans every frame added since the last take, and take starts over", () => {
  const meter = new LevelMeter();
  meter.add(new Int16Array(160).fill(-32768));
  meter.add(new Int16Array(160));
  assert.equal(meter.take(), { dbfs: -3, peak: 1 }, "half the energy of full scale over both frames");
  meter.add(new Int16Array(160));
  assert.equal(meter.take(), { dbfs: -90, peak: 0 }, "the loud frame was forgotten");
});

test.run();
