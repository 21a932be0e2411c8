import { test } from "uvu";
import * as assert from "uvu/assert";
import { ParleyError } from "../errors.ts";
import { splitPortRange } from "./port-ranges.ts";

test("the default RTP range splits into two halves of whole pairs, each starting on an even port", () => {
  assert.equal(splitPortRange({ min: 40000, max: 40999 }, 2), [{ min: 40000, max: 40499 }, { min: 40500, max: 40999 }]);
});

test("slices never overlap, cover every pair of the range and differ by at most one pair, for odd ends too", () => {
  for (const shards of [1, 2, 3, 5, 7]) {
    const slices = splitPortRange({ min: 30001, max: 30100 }, shards);
    assert.is(slices.length, shards);
    assert.is(slices[0]!.min, 30002);
    for (let i = 1; i < shards; i++) assert.is(slices[i]!.min, slices[i - 1]!.max + 1);
    assert.is(slices.at(-1)!.max, 30099, "the last whole pair ends at 30099");
    const sizes = slices.map(({ min, max }) => max - min + 1);
    assert.ok(sizes.every((size) => size % 2 === 0 && size > 0));
    assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 2);
  }
});

test("a range with fewer pairs than shards, or a shard count that is not a whole positive number, is a configuration error", () => {
  for (const [range, shards] of [[{ min: 40000, max: 40003 }, 3], [{ min: 40000, max: 40999 }, 0], [{ min: 40000, max: 40999 }, 1.5]] as const) {
    try {
      splitPortRange(range, shards);
      assert.unreachable();
    } catch (error) {
      assert.instance(error, ParleyError);
      assert.is((error as ParleyError).code, "PARLEY_ERR_CONFIG");
    }
  }
});

test.run();
