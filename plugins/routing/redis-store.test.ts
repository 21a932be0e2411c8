// The routing state in a real Redis: every router scenario as in memory, two routers (two nodes)
// on one Redis that never offer a call twice nor let two agents take it, and the faults: Redis
// gone, back empty, a node that died holding the lock.
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireRedis, startRedis } from "../../core/redis-testing.ts";
import { sleep, waitFor } from "../../core/testing.ts";
import { RedisRoutingStore } from "./redis-store.ts";
import { Router } from "./Router.ts";
import { routerScenarios } from "./router-scenarios.ts";
import { RoutingError } from "./RoutingError.ts";
import type { RoutingEvent } from "./types.ts";

if (requireRedis()) {
  const redis = await startRedis();
  const stores: RedisRoutingStore[] = [];
  /** A store on its own connection; `prefix` shares state between stores (nodes), by default a fresh one. */
  const open = async (prefix = `test:${randomUUID()}:`, options: { timeoutMs?: number; leaseMs?: number } = {}) => {
    const store = await RedisRoutingStore.connect({ url: redis.url, prefix, ...options });
    stores.push(store);
    return store;
  };
  test.after(async () => {
    for (const store of stores) await store.close();
    await redis.stop();
  });

  routerScenarios(test, () => open());

  /** A router on its own connection to the shared state under `prefix`: one node; `slow` delays its reads of the agents, as a busy node would. */
  const node = async (prefix: string, slow = 0) => {
    const events: RoutingEvent[] = [];
    const store = await open(prefix);
    const slowed = new Proxy(store, {
      get(target, key) {
        if (key === "listAgents" && slow > 0) return async () => (await sleep(slow), await target.listAgents());
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const router = new Router({ store: slowed, emit: (event) => events.push(event) });
    const offers = () => events.filter((e): e is Extract<RoutingEvent, { type: "queue.offered" }> => e.type === "queue.offered");
    return { router, offers };
  };

  test("two nodes dispatching at once offer a call once: one node never acts on what it read before the other's decision", async () => {
    const prefix = `test:${randomUUID()}:`;
    const [slow, quick] = [await node(prefix, 100), await node(prefix)];
    await quick.router.addQueue({ id: "support" });
    for (const id of ["ann", "bob"]) {
      await quick.router.addAgent({ id });
      await quick.router.setStatus(id, "available");
    }
    // The slow node reads the waiting call, then the agents 100 ms later; meanwhile the quick node
    // runs its clock. Without one lock across the nodes, the quick node would offer the call to
    // one agent and the slow node, reading the other agent as the only one free, to the other.
    const enqueued = slow.router.enqueue({ callId: "c1", queueId: "support" });
    await sleep(30);
    await quick.router.tick();
    await enqueued;
    const offers = [...slow.offers(), ...quick.offers()];
    assert.equal(offers.map((offer) => offer.callId), ["c1"], "one offer");
    const states = (await quick.router.store.listAgents()).map((agent) => agent.state).sort();
    assert.equal(states, ["idle", "reserved"], "one agent rings, the other is still free");
  });

  test("two nodes accepting one ring-all offer at once: one agent takes the call, the other is refused", async () => {
    const prefix = `test:${randomUUID()}:`;
    const [a, b] = [await node(prefix), await node(prefix)];
    await a.router.addQueue({ id: "sales", strategy: "ring-all" });
    for (const id of ["ann", "bob"]) {
      await a.router.addAgent({ id });
      await a.router.setStatus(id, "available");
    }
    await b.router.enqueue({ callId: "c1", queueId: "sales" });
    const [offer] = b.offers();
    const results = await Promise.allSettled([a.router.accept(offer.offerId, "ann"), b.router.accept(offer.offerId, "bob")]);
    assert.equal(results.map((result) => result.status).sort(), ["fulfilled", "rejected"]);
    const refused = results.find((result) => result.status === "rejected") as PromiseRejectedResult;
    assert.ok(refused.reason instanceof RoutingError && refused.reason.code === "offer_gone", String(refused.reason));
    const states = (await a.router.store.listAgents()).map((agent) => agent.state).sort();
    assert.equal(states, ["idle", "on_call"]);
  });

  test("a node that died holding the lock holds up the others only for its lease; a lock never let go is refused with store_unavailable", async () => {
    const prefix = `test:${randomUUID()}:`;
    const store = await open(prefix, { timeoutMs: 1500 });
    const router = new Router({ store, emit: () => {} });
    const raw = new Redis({ path: redis.url });
    try {
      await raw.set(`${prefix}lock`, "a-dead-node", "PX", 300);
      await router.addQueue({ id: "support" });
      assert.ok(await store.getQueue("support"), "went ahead once the dead node's lease ran out");
      await raw.set(`${prefix}lock`, "a-stuck-node");
      try {
        await router.enqueue({ callId: "c1", queueId: "support" });
        assert.unreachable("a lock held for good must refuse the operation");
      } catch (error) {
        assert.ok(error instanceof RoutingError && error.code === "store_unavailable" && /locked by another node/.test(error.message), String(error));
      }
    } finally {
      raw.disconnect();
    }
  });

  test("Redis gone: operations are refused at once with store_unavailable; back (empty), the same store works again", async () => {
    const store = await open();
    const router = new Router({ store, emit: () => {} });
    await router.addQueue({ id: "support" });
    await redis.kill();
    try {
      await router.enqueue({ callId: "c1", queueId: "support" });
      assert.unreachable("no Redis, no routing");
    } catch (error) {
      assert.ok(error instanceof RoutingError && error.code === "store_unavailable" && /cannot be reached/.test(error.message), String(error));
    }
    await redis.restart();
    await waitFor(() => store.connected, 10_000, "the store to reconnect");
    await router.addQueue({ id: "support" });
    assert.equal(await router.enqueue({ callId: "c1", queueId: "support" }), { position: 1 });
  });

  test("a store that cannot reach Redis at start says so with store_unavailable", async () => {
    try {
      await RedisRoutingStore.connect({ url: `${redis.url}.missing`, timeoutMs: 500 });
      assert.unreachable("connected to nothing");
    } catch (error) {
      assert.ok(error instanceof RoutingError && error.code === "store_unavailable", String(error));
    }
  });
}

test.run();
