import { test } from "uvu";
import * as assert from "uvu/assert";
import { Pacer } from "./Pacer.ts";

test("ticks every period at scheduled times, for all tasks, from one timer", async () => {
  // The clock is the test's: each step moves it one period on and waits for the pacer's timer, so
  // the ticks counted do not depend on how busy the machine is.
  let now = 0;
  const pacer = new Pacer(() => {}, 10, 5, () => now);
  const a: number[] = [];
  const b: number[] = [];
  const removeA = pacer.add((t) => a.push(t));
  const removeB = pacer.add((t) => b.push(t));
  for (let step = 1; step <= 11; step++) {
    now = step * 10;
    while (a.length < step) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  removeA();
  removeB();
  assert.equal(a, [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110], "one tick per period, at exact multiples of it");
  assert.equal(a, b);
  assert.is(pacer.size, 0);
});

test("after the loop was blocked, missed ticks run at once, bounded by maxCatchUp", async () => {
  let now = 0;
  const pacer = new Pacer(() => {}, 20, 5, () => now);
  const seen: number[] = [];
  const stop = pacer.add((t) => seen.push(t));
  now = 200; // the loop was blocked for 10 periods before the first timer fired
  await new Promise((resolve) => setTimeout(resolve, 40));
  stop();
  assert.is(seen.length, 5, "at most maxCatchUp ticks in one go");
  assert.is(pacer.skipped, 5);
  assert.equal(seen, [120, 140, 160, 180, 200], "the skipped ticks are the oldest ones");
});

test("a task that throws is reported and does not stop the others", async () => {
  const errors: unknown[] = [];
  const pacer = new Pacer((e) => errors.push(e), 5);
  let ran = 0;
  const r1 = pacer.add(() => {
    throw new Error("boom");
  });
  const r2 = pacer.add(() => void ran++);
  await new Promise((resolve) => setTimeout(resolve, 30));
  r1();
  r2();
  assert.ok(ran >= 3);
  assert.ok(errors.length >= 3);
});

test.run();
