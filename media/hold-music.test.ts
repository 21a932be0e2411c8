import { test } from "uvu";
import * as assert from "uvu/assert";
import { holdMusic } from "./hold-music.ts";
import { rms } from "./signal-test-utils.ts";

test("hold music loops without a click: whole 20 ms frames at every telephone rate, silent at both ends", () => {
  for (const rate of [8000, 16000, 48000]) {
    const music = holdMusic(rate);
    assert.is(music.length % (rate / 50), 0, `${rate} Hz`);
    assert.ok(Math.abs(music[0]) <= 1 && Math.abs(music[music.length - 1]) <= 2, `${rate} Hz ends: ${music[0]}, ${music[music.length - 1]}`);
  }
});

test("hold music is quiet but clearly there: about -24 dBFS, never clipping", () => {
  const music = holdMusic(16000);
  const dbfs = 20 * Math.log10(rms(music) / 32768);
  assert.ok(dbfs > -30 && dbfs < -20, `${dbfs.toFixed(1)} dBFS`);
  assert.ok(music.every((sample) => Math.abs(sample) < 12000), "peaks far from full scale");
});

test.run();
