import { test } from "uvu";
import * as assert from "uvu/assert";
import { NoiseFloor } from "./noise-floor.ts";

test("the floor is the quietest level of the window, and forgets what left it", () => {
  const floor = new NoiseFloor(100, -60);
  for (const level of [-70, -40, -45, -50, -42, -41]) floor.add(level, 20);
  assert.is(floor.floorDb(20), -50, "the -70 of six frames ago is out of the five-frame window");
  floor.add(-65, 20);
  assert.is(floor.floorDb(20), -65);
});

test("until a whole window has been seen the floor is no higher than the initial floor", () => {
  const floor = new NoiseFloor(100, -60);
  floor.add(-30, 20);
  assert.is(floor.floorDb(20), -60);
  for (let i = 0; i < 4; i++) floor.add(-30, 20);
  assert.is(floor.floorDb(20), -30);
  floor.reset();
  assert.is(floor.floorDb(20), -60);
});

test.run();
