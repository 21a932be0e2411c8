import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../media/frame.ts";
import { AudioFanout } from "./AudioFanout.ts";

test("delivers one decode at every subscribed rate, each with its own frame counter", () => {
  const fanout = new AudioFanout(48000, [8000, 16000, 48000]);
  const at16: AudioFrame[] = [];
  const at48: AudioFrame[] = [];
  fanout.observe(16000).subscribe((f) => at16.push(f));
  fanout.observe(48000).subscribe((f) => at48.push(f));
  fanout.push(new Int16Array(960), 48000, 0);
  fanout.push(new Int16Array(960), 48000, 20);
  assert.equal(at16.map((f) => [f.samples.length, f.sampleRate, f.seq, f.timestamp]), [[320, 16000, 0, 0], [320, 16000, 1, 20]]);
  assert.is(at48[1].samples.length, 960);
});

test("prefers decoding at the highest subscribed rate the codec can produce directly", () => {
  const fanout = new AudioFanout(48000, [8000, 16000, 48000]);
  assert.is(fanout.preferredRate, 48000, "nobody listening: the codec's own rate");
  const sub16 = fanout.observe(16000).subscribe();
  assert.is(fanout.preferredRate, 16000);
  const sub44 = fanout.observe(44100).subscribe();
  assert.is(fanout.preferredRate, 48000, "a rate the decoder cannot produce is resampled from the native rate");
  sub44.unsubscribe();
  assert.is(fanout.preferredRate, 16000);
  sub16.unsubscribe();
  assert.not.ok(fanout.hasSubscribers);
});

test("a shared view is released with its last subscriber; close completes every stream", () => {
  const fanout = new AudioFanout(8000);
  let completed = 0;
  const a = fanout.observe(16000).subscribe({ complete: () => completed++ });
  fanout.observe(16000).subscribe({ complete: () => completed++ });
  a.unsubscribe();
  assert.ok(fanout.hasSubscribers);
  fanout.close();
  assert.is(completed, 1);
  fanout.observe(8000).subscribe({ complete: () => completed++ });
  assert.is(completed, 2, "late subscribers complete at once");
});

test("rejects rates outside 8-48 kHz", () => {
  assert.throws(() => new AudioFanout(8000).observe(4000), /8000 to 48000/);
});

test.run();
