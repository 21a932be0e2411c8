import { test } from "uvu";
import * as assert from "uvu/assert";
import { intersect, longestRun, subtract, total, union } from "./intervals.ts";

const iv = (...pairs: [number, number][]) => pairs.map(([start, end]) => ({ start, end }));

test("union merges overlapping and touching intervals and drops empty ones; total counts overlaps once", () => {
  assert.equal(union(iv([5, 8], [0, 2], [2, 3], [7, 10], [4, 4])), iv([0, 3], [5, 10]));
  assert.is(total(iv([0, 10], [5, 15])), 15);
});

test("intersect keeps what both cover; subtract what the first covers and the second does not", () => {
  assert.equal(intersect(iv([0, 10], [20, 30]), iv([5, 25])), iv([5, 10], [20, 25]));
  assert.equal(subtract(iv([0, 30]), iv([5, 10], [20, 25])), iv([0, 5], [10, 20], [25, 30]));
  assert.equal(subtract(iv([0, 10]), iv([0, 10])), []);
});

test("a monologue runs across short pauses nobody fills, and ends where another party speaks or a pause is too long", () => {
  // 0-4 s and 5-9 s with a 1 s pause: one 9 s run.
  assert.is(longestRun(iv([0, 4000], [5000, 9000]), [], 2000), 9000);
  // The same pause filled by the caller: two runs of 4 s.
  assert.is(longestRun(iv([0, 4000], [5000, 9000]), iv([4200, 4800]), 2000), 4000);
  // A 3 s pause is too long.
  assert.is(longestRun(iv([0, 4000], [7000, 9000]), [], 2000), 4000);
  // Talked over from 2 s to 3 s: the solo stretches are 2 s and 6 s.
  assert.is(longestRun(iv([0, 9000]), iv([2000, 3000]), 2000), 6000);
});

test.run();
