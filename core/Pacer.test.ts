import { test } from "uvu";
import * as assert from "uvu/assert";
import { Pacer } from "./Pacer.ts";

test("ticks every period at scheduled times, for all tasks, from one timer", async () => {
  const pacer = new Pacer(() => {}, 10);
  const a: number[] = [];
  const b: number[] = [];
  const removeA = pacer.add((t) => a.push(t));
  const removeB = pacer.add((t) => b.push(t));
  await new Promise((resolve) => setTimeout(resolve, 115));
  removeA();
  removeB();
  assert.ok(a.length >= 8 && a.length <= 13, `ticks: ${a.length}`);
  assert.equal(a, b);
  for (let i = 1; i < a.length; i++) assert.is(Math.round(a[i] - a[i - 1]), 10, "tick times are exact multiples of the period");
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
