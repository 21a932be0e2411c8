import { test } from "uvu";
import * as assert from "uvu/assert";
import { type CapacityRow, capacityFailures, searchCapacity } from "./load-capacity.ts";

/** A search against a machine that carries `capacity` callers, noting the counts it tried. */
async function search(capacity: number, start: number, step: number, max: number) {
  const tried: number[] = [];
  const found = await searchCapacity(start, async (count) => {
    tried.push(count);
    return count <= capacity;
  }, { step, max });
  return { found, tried };
}

test("doubles while runs pass, then halves the interval down to the step", async () => {
  const { found, tried } = await search(230, 50, 25, 1000);
  assert.is(found, 225);
  assert.equal(tried, [50, 100, 200, 400, 300, 250, 225]);
});

test("a start that fails searches below it", async () => {
  const { found, tried } = await search(60, 200, 25, 1000);
  assert.is(found, 50);
  assert.equal(tried, [200, 100, 50, 75]);
});

test("nothing passes: 0, after trying the step itself", async () => {
  const { found, tried } = await search(0, 4, 1, 64);
  assert.is(found, 0);
  assert.equal(tried.at(-1), 1);
});

test("a machine beyond the largest count stops at it", async () => {
  const { found, tried } = await search(10_000, 50, 50, 500);
  assert.is(found, 500);
  assert.equal(tried, [50, 100, 200, 400, 500]);
});

test("every count tried is a multiple of the step, each tried once", async () => {
  for (const capacity of [1, 7, 26, 99, 333]) {
    const { found, tried } = await search(capacity, 10, 5, 400);
    assert.is(found, Math.floor(capacity / 5) * 5);
    assert.ok(tried.every((count) => count % 5 === 0));
    assert.is(new Set(tried).size, tried.length);
  }
});

const passing: CapacityRow = {
  callers: 100,
  cpuPercent: 80,
  p50Ms: 0.4,
  p99Ms: 4.9,
  lagP99Ms: 3,
  framesMissing: 0,
  packetsLost: 0,
  openFailures: 0,
  rssBeforeMb: 400,
  rssDuringMb: 500,
  rssPerCallerMb: 1,
  recognition: null,
};

test("a run passes with p99 under 5 ms, no loss and under a core of CPU", () => {
  assert.equal(capacityFailures(passing, "default"), []);
  assert.equal(capacityFailures({ ...passing, p99Ms: 5 }, "default").length, 1);
  assert.equal(capacityFailures({ ...passing, framesMissing: 1 }, "default").length, 1);
  assert.equal(capacityFailures({ ...passing, packetsLost: 1 }, "plain").length, 1);
  assert.equal(capacityFailures({ ...passing, cpuPercent: 100 }, "default").length, 1);
  assert.equal(capacityFailures({ ...passing, openFailures: 2 }, "default").length, 1);
});

test("the recognizer passes on its errors and finals, whatever the packet latency", () => {
  const recognition = { errors: 0, errorsByReason: {}, transcripts: 8, finalP99AtMostMs: 500 };
  const row = { ...passing, callers: 8, p99Ms: 40, cpuPercent: 150, recognition };
  assert.equal(capacityFailures(row, "recognizer"), []);
  assert.match(capacityFailures({ ...row, recognition: { ...recognition, errors: 1, errorsByReason: { engine_busy: 1 } } }, "recognizer")[0]!, "engine_busy");
  assert.equal(capacityFailures({ ...row, recognition: { ...recognition, transcripts: 7 } }, "recognizer").length, 1);
  assert.equal(capacityFailures({ ...row, recognition: { ...recognition, finalP99AtMostMs: null } }, "recognizer").length, 1);
  assert.equal(capacityFailures({ ...row, recognition: null }, "recognizer").length, 1);
});

test.run();
