import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioMixer } from "./mixer.ts";

const N = 160;
const constant = (value: number) => new Int16Array(N).fill(value);
const inputs = (entries: Record<string, Int16Array>) => new Map(Object.entries(entries));

test("each participant hears the sum of the others and never itself (mix-minus)", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["caller", "agent", "expert"]) mixer.add(id);
  const out = mixer.mix(inputs({ caller: constant(100), agent: constant(20), expert: constant(3) }));
  assert.is(out.get("caller")![7], 23);
  assert.is(out.get("agent")![7], 103);
  assert.is(out.get("expert")![7], 120);
});

test("a silent participant (no frame) still hears everyone, and adds nothing", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["a", "b", "c"]) mixer.add(id);
  const out = mixer.mix(inputs({ a: constant(-500), b: constant(200) }));
  assert.is(out.get("c")![0], -300);
  assert.is(out.get("a")![0], 200);
  assert.is(out.get("b")![0], -500);
});

test("full-scale speakers saturate at the 16-bit limits instead of wrapping around", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["a", "b", "c", "d"]) mixer.add(id);
  const loud = mixer.mix(inputs({ a: constant(32767), b: constant(32767), c: constant(32767), d: constant(-32768) }));
  assert.is(loud.get("d")![0], 32767, "three full-scale positives: clamped high, not wrapped negative");
  assert.is(loud.get("a")![0], 32766, "32767 + 32767 - 32768");
  const negative = mixer.mix(inputs({ a: constant(-32768), b: constant(-32768), c: constant(-32768) }));
  assert.is(negative.get("d")![0], -32768, "clamped low, not wrapped positive");
  // A full-scale square wave from each of three speakers: every output sample keeps the sign of the true sum.
  const square = new Int16Array(N).map((_, i) => (i % 20 < 10 ? 32767 : -32768));
  const out = mixer.mix(inputs({ a: square, b: square, c: square }));
  for (let i = 0; i < N; i++) assert.is(Math.sign(out.get("d")![i]!), Math.sign(square[i]!), `sample ${i}`);
});

test("listen: a supervisor nobody hears hears both parties; they hear only each other", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["caller", "agent", "supervisor"]) mixer.add(id);
  mixer.setHears("caller", "supervisor", false);
  mixer.setHears("agent", "supervisor", false);
  const out = mixer.mix(inputs({ caller: constant(1000), agent: constant(100), supervisor: constant(10) }));
  assert.is(out.get("caller")![0], 100);
  assert.is(out.get("agent")![0], 1000);
  assert.is(out.get("supervisor")![0], 1100);
});

test("whisper: the agent hears the supervisor, the caller does not; barge: both do", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["caller", "agent", "supervisor"]) mixer.add(id);
  mixer.setHears("caller", "supervisor", false);
  const frames = inputs({ caller: constant(1000), agent: constant(100), supervisor: constant(10) });
  let out = mixer.mix(frames);
  assert.is(out.get("caller")![0], 100, "whisper: not heard by the caller");
  assert.is(out.get("agent")![0], 1010, "whisper: heard by the agent");
  assert.is(out.get("supervisor")![0], 1100);
  assert.not.ok(mixer.hears("caller", "supervisor"));
  mixer.setHears("caller", "supervisor", true);
  out = mixer.mix(frames);
  assert.is(out.get("caller")![0], 110, "barge: heard by all");
  assert.is(out.get("agent")![0], 1010);
  assert.ok(mixer.hears("caller", "supervisor"));
  assert.not.ok(mixer.hears("caller", "caller"), "nobody hears themselves");
});

test("removing a participant drops it from every mix and every exception", () => {
  const mixer = new AudioMixer(N);
  for (const id of ["a", "b", "c"]) mixer.add(id);
  mixer.setHears("a", "c", false);
  mixer.remove("a");
  assert.equal(mixer.participants, ["b", "c"]);
  const out = mixer.mix(inputs({ a: constant(5), b: constant(7), c: constant(11) }));
  assert.is(out.size, 2);
  assert.is(out.get("b")![0], 11, "a frame of a removed participant is ignored");
  mixer.add("a");
  assert.ok(mixer.hears("a", "c"), "the exception went with the participant");
});

test("mistakes are refused clearly: unknown participants, a second add, frames of the wrong length", () => {
  const mixer = new AudioMixer(N);
  mixer.add("a");
  assert.throws(() => mixer.add("a"), /already in the mix/);
  assert.throws(() => mixer.setHears("a", "ghost", false), /ghost is not in the mix/);
  assert.throws(() => mixer.mix(inputs({ a: new Int16Array(N + 1) })), /161 samples, not 160/);
  assert.throws(() => new AudioMixer(0), RangeError);
});

test.run();
