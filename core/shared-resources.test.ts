import { test } from "uvu";
import * as assert from "uvu/assert";
import { holdEngine, SharedResources } from "./shared-resources.ts";

/** A resource that counts its closes. */
function resource() {
  return { closes: 0, async close() { this.closes++; } };
}

test("a shared resource is created once, and closed only when its last holder releases it", async () => {
  const pool = new SharedResources<ReturnType<typeof resource>>();
  let created = 0;
  const create = async () => (created++, resource());
  const a = pool.acquire("k", create);
  const b = pool.acquire("k", create);
  assert.is(await a.value, await b.value);
  assert.is(created, 1);
  await a.release();
  await a.release();
  assert.is((await b.value).closes, 0, "still held by b");
  await b.release();
  assert.is((await b.value).closes, 1);
  assert.is(pool.size, 0);
  pool.acquire("k", create);
  assert.is(created, 2, "a released resource is made afresh");
});

test("a resource that failed to start is forgotten, so the next holder tries again", async () => {
  const pool = new SharedResources<ReturnType<typeof resource>>();
  const failed = pool.acquire("k", () => Promise.reject(new Error("not installed")));
  await failed.value.catch(() => {});
  assert.is(pool.size, 0);
  await failed.release();
  const next = pool.acquire("k", async () => resource());
  assert.is((await next.value).closes, 0);
});

test("holdEngine leaves an engine passed in to its owner and closes one its factory made", async () => {
  const unused = () => {
    throw new Error("the shared engine is not used when one is given");
  };
  const given = resource();
  await holdEngine(given, unused).release();
  assert.is(given.closes, 0);
  const made = resource();
  const hold = holdEngine(async () => made, unused);
  await hold.release();
  await hold.release();
  assert.is(made.closes, 1);
  const pool = new SharedResources<ReturnType<typeof resource>>();
  const shared = holdEngine(undefined, () => pool.acquire("k", async () => resource()));
  const engine = await shared.value;
  await shared.release();
  assert.is(engine.closes, 1);
});

test.run();
