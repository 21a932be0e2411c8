import { test } from "uvu";
import * as assert from "uvu/assert";
import { levelOf } from "./mod.ts";

test("levelOf gives RMS in dBFS and peak of full scale", () => {
  const full = new Int16Array(160).fill(32767);
  assert.equal(levelOf([full]), { dbfs: 0, peak: 1 });
  const half = Int16Array.from({ length: 160 }, (_, i) => (i % 2 ? 16384 : -16384));
  assert.equal(levelOf([half]).dbfs, -6);
  assert.equal(levelOf([new Int16Array(160)]), { dbfs: -90, peak: 0 });
});

test.run();
