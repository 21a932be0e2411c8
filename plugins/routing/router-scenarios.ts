// The router's behaviour, written once and run on each store: in memory (Router.test.ts) and in
// Redis (redis-store.test.ts). Test code only.
import type { Test } from "uvu";
import * as assert from "uvu/assert";
import { Router } from "./Router.ts";
import { RoutingError } from "./RoutingError.ts";
import type { RoutingStore } from "./store.ts";
import type { RoutingEvent } from "./types.ts";

/** A fresh, empty store for one scenario. */
export type OpenStore = () => Promise<RoutingStore>;

/** A router on a clock the test moves, over a fresh store, with the events it emitted. */
async function setup(openStore: OpenStore, queues: unknown[] = [{ id: "support" }], agents: { id: string; skills?: Record<string, number>; languages?: string[] }[] = []) {
  let now = 1_000_000;
  const events: RoutingEvent[] = [];
  const router = new Router({ store: await openStore(), now: () => now, emit: (event) => events.push(event) });
  for (const queue of queues) await router.addQueue(queue);
  for (const agent of agents) {
    await router.addAgent(agent);
    now += 1000;
    await router.setStatus(agent.id, "available");
  }
  const advance = async (ms: number) => {
    now += ms;
    await router.tick();
  };
  const offers = () => events.filter((e): e is Extract<RoutingEvent, { type: "queue.offered" }> => e.type === "queue.offered");
  return { router, events, advance, offers, clock: () => now };
}

const code = (expected: string) => (error: unknown) => error instanceof RoutingError && error.code === expected;

/** Fails unless `work` rejects with an error `check` accepts. */
async function rejects(work: () => Promise<unknown>, check: (error: unknown) => boolean): Promise<void> {
  try {
    await work();
  } catch (error) {
    assert.ok(check(error), `unexpected error: ${error}`);
    return;
  }
  assert.unreachable("it should have been refused");
}

/** Registers every router scenario on `test`, each over a store from `openStore`. */
export function routerScenarios(test: Test, openStore: OpenStore): void {
  test("longest-idle: the agent free the longest gets the first call, the next agent the second, the third call waits", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support" }], [{ id: "ann" }, { id: "bob" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    await router.enqueue({ callId: "c2", queueId: "support" });
    const third = await router.enqueue({ callId: "c3", queueId: "support" });
    assert.equal(offers().map((o) => [o.callId, o.agentIds]), [["c1", ["ann"]], ["c2", ["bob"]]]);
    assert.is(third.position, 3, "two calls ahead of it, both ringing");
    await router.accept(offers()[0].offerId, "ann");
    assert.is(await router.position("c3"), 2);
  });

  test("after wrap-up the agent is idle again and gets the waiting call; talk time and service level are counted", async () => {
    const { router, offers, advance, events } = await setup(openStore, [{ id: "support", wrapUpSeconds: 10, serviceLevelSeconds: 20 }], [{ id: "ann" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    await router.enqueue({ callId: "c2", queueId: "support" });
    const answered = await router.accept(offers()[0].offerId, "ann");
    assert.is(answered.waitMs, 0);
    await advance(60_000);
    await router.complete("c1", "ann");
    assert.equal(events.find((e) => e.type === "call.completed"), { type: "call.completed", callId: "c1", queueId: "support", agentId: "ann", talkMs: 60_000 });
    await advance(5_000);
    assert.is(offers().length, 1, "still wrapping up");
    await advance(5_000);
    assert.equal(offers().map((o) => o.callId), ["c1", "c2"]);
    await router.accept(offers()[1].offerId, "ann");
    const stats = await router.stats("support");
    assert.equal([stats.answered, stats.answeredInTime, stats.serviceLevel, stats.waiting], [2, 1, 0.5, 0], "c2 waited 70 s, past the 20 s threshold");
  });

  test("an offer that rings out passes to the next agent; an agent who misses too many is put on break", async () => {
    const { router, offers, advance, events } = await setup(openStore, [{ id: "support", ringSeconds: 15, maxMissedOffers: 2 }], [{ id: "ann" }, { id: "bob" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    assert.equal(offers()[0].agentIds, ["ann"]);
    await advance(15_000);
    assert.equal(offers()[1].agentIds, ["bob"], "after the ring timeout, the other agent");
    await router.decline(offers()[1].offerId, "bob");
    assert.equal(offers()[2].agentIds, ["ann"], "nobody else: offered again to who missed it");
    await advance(15_000);
    const paused = events.find((e) => e.type === "agent.status" && e.status === "on_break");
    assert.equal(paused, { type: "agent.status", agentId: "ann", status: "on_break", reason: "missed_offers" });
    assert.equal(events.filter((e) => e.type === "queue.offer_missed").map((e) => (e as { reason: string }).reason), ["timeout", "declined", "timeout"]);
  });

  test("ring-all: every free agent rings, the first accept wins and the others are freed", async () => {
    const { router, offers, events } = await setup(openStore, [{ id: "sales", strategy: "ring-all" }], [{ id: "ann" }, { id: "bob" }, { id: "cy" }]);
    await router.enqueue({ callId: "c1", queueId: "sales" });
    const [offer] = offers();
    assert.equal(offer.agentIds.sort(), ["ann", "bob", "cy"]);
    await router.accept(offer.offerId, "bob");
    await rejects(() => router.accept(offer.offerId, "cy"), code("offer_gone"));
    const states = events.filter((e) => e.type === "agent.state" && e.state === "idle").map((e) => (e as { agentId: string }).agentId).sort();
    assert.equal(states, ["ann", "cy"]);
  });

  test("round-robin: each call goes to the next agent in turn", async () => {
    const { router, offers } = await setup(openStore, [{ id: "q", strategy: "round-robin", wrapUpSeconds: 0 }], [{ id: "a" }, { id: "b" }, { id: "c" }]);
    const picked: string[] = [];
    for (let i = 0; i < 4; i++) {
      await router.enqueue({ callId: `c${i}`, queueId: "q" });
      const offer = offers().at(-1)!;
      picked.push(offer.agentIds[0]);
      await router.accept(offer.offerId, offer.agentIds[0]);
      await router.complete(`c${i}`, offer.agentIds[0]);
    }
    assert.equal(picked, ["a", "b", "c", "a"]);
  });

  test("skills relax with the wait: a call nobody qualified can take is offered to a lesser agent later, keeping its place", async () => {
    const { router, offers, advance } = await setup(
      openStore,
      [{ id: "billing", skills: { billing: 8 }, relax: [{ afterSeconds: 30, skills: { billing: 3 } }] }],
      [{ id: "junior", skills: { billing: 4 } }],
    );
    await router.enqueue({ callId: "hard", queueId: "billing" });
    await advance(10_000);
    await router.enqueue({ callId: "later", queueId: "billing" });
    assert.is(offers().length, 0);
    await advance(20_000);
    assert.equal(offers().map((o) => o.callId), ["hard"], "the first call, once relaxed, goes first");
  });

  test("a higher priority (an angry caller) goes ahead of earlier callers", async () => {
    const { router } = await setup(openStore);
    await router.enqueue({ callId: "calm1", queueId: "support" });
    await router.enqueue({ callId: "calm2", queueId: "support" });
    await router.enqueue({ callId: "angry", queueId: "support" });
    assert.is(await router.position("angry"), 3);
    await router.prioritize("angry", 10);
    assert.equal([await router.position("angry"), await router.position("calm1")], [1, 2]);
  });

  test("a caller who hangs up while waiting or ringing is counted abandoned with the wait, and the ringing agent is freed", async () => {
    const { router, offers, advance, events } = await setup(openStore, [{ id: "support" }], [{ id: "ann" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    await router.enqueue({ callId: "c2", queueId: "support" });
    await advance(7_000);
    assert.is(await router.abandon("c1"), true);
    await rejects(() => router.accept(offers()[0].offerId, "ann"), code("offer_gone"));
    assert.equal(offers().map((o) => o.callId), ["c1", "c2"], "the agent freed by the hang-up gets the next call");
    assert.equal(events.find((e) => e.type === "queue.abandoned"), { type: "queue.abandoned", callId: "c1", queueId: "support", waitMs: 7_000, position: 1 });
    assert.is((await router.stats("support")).abandoned, 1);
    assert.is(await router.abandon("nobody"), false);
  });

  test("overflow: past the longest wait a call moves to the overflow queue, or leaves with the queue's message", async () => {
    const { router, advance, events } = await setup(openStore, [{ id: "backup" }, { id: "main", maxWaitSeconds: 60, overflow: { queue: "backup" } }, { id: "night", maxWaitSeconds: 30, overflow: { message: "Please call back tomorrow." } }]);
    await router.enqueue({ callId: "c1", queueId: "main" });
    await router.enqueue({ callId: "c2", queueId: "night" });
    await advance(61_000);
    const overflowed = events.filter((e) => e.type === "queue.overflowed");
    assert.equal(overflowed.map((e) => [e.callId, (e as { to?: string }).to ?? (e as { message?: string }).message]).sort(), [["c1", "backup"], ["c2", "Please call back tomorrow."]]);
    assert.equal([(await router.stats("backup")).waiting, (await router.stats("night")).waiting, (await router.stats("main")).overflowed], [1, 0, 1]);
  });

  test("an agent whose connection is lost mid-call goes offline and the call returns to the head of its queue", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support" }], [{ id: "ann" }]);
    await router.enqueue({ callId: "first", queueId: "support" });
    await router.accept(offers()[0].offerId, "ann");
    await router.enqueue({ callId: "second", queueId: "support" });
    await router.agentLost("ann", "first", "support", 1_000_000);
    assert.equal([await router.position("first"), await router.position("second")], [1, 2]);
    assert.is((await router.store.getAgent("ann"))?.status, "offline");
  });

  test("only agents who speak the caller's language are offered the call", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support" }], [{ id: "ann", languages: ["en"] }, { id: "eva", languages: ["es"] }]);
    await router.enqueue({ callId: "c1", queueId: "support", language: "es-MX" });
    assert.equal(offers()[0].agentIds, ["eva"]);
  });

  test("estimated wait: position times the mean handle time, shared among the agents who could serve", async () => {
    const { router, offers, advance } = await setup(openStore, [{ id: "support", wrapUpSeconds: 10 }], [{ id: "ann" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    await router.accept(offers()[0].offerId, "ann");
    await advance(50_000);
    await router.complete("c1", "ann");
    await router.enqueue({ callId: "c2", queueId: "support" });
    await router.enqueue({ callId: "c3", queueId: "support" });
    assert.is(await router.estimatedWaitMs("c3"), 2 * 60_000);
  });

  test("a transfer to a named agent waits for that agent only; a call taken out for a callback is not counted abandoned", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support" }], [{ id: "ann" }, { id: "bob" }]);
    await router.setStatus("bob", "on_break");
    await router.enqueue({ callId: "for-bob", queueId: "support", onlyAgent: "bob" });
    assert.is(offers().length, 0, "ann is free but the call is for bob");
    await router.setStatus("bob", "available");
    assert.equal(offers()[0].agentIds, ["bob"]);
    await router.enqueue({ callId: "callback", queueId: "support" });
    assert.is(await router.remove("callback"), true);
    assert.equal([(await router.stats("support")).abandoned, (await router.stats("support")).waiting], [0, 1]);
  });

  test("an agent who ends the wrap-up early is offered the next call at once", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support", wrapUpSeconds: 120 }], [{ id: "ann" }]);
    await router.enqueue({ callId: "c1", queueId: "support" });
    await router.accept(offers()[0].offerId, "ann");
    await router.enqueue({ callId: "c2", queueId: "support" });
    await router.complete("c1", "ann");
    assert.is(offers().length, 1);
    await router.endWrapUp("ann");
    assert.equal(offers().map((o) => o.callId), ["c1", "c2"]);
  });

  test("bad requests get coded errors: unknown ids, invalid queues, an offer accepted by someone it was not made to", async () => {
    const { router, offers } = await setup(openStore, [{ id: "support" }], [{ id: "ann" }, { id: "bob" }]);
    await rejects(() => router.enqueue({ callId: "c", queueId: "nope" }), code("unknown_queue"));
    await rejects(() => router.setStatus("nobody", "available"), code("unknown_agent"));
    await rejects(() => router.addQueue({ id: "q", strategy: "random" }), (e: unknown) => code("invalid_queue")(e) && /strategy/.test((e as Error).message));
    await rejects(() => router.addQueue({ id: "q", maxWaitSeconds: 5, overflow: { queue: "missing" } }), code("invalid_queue"));
    await rejects(() => router.addQueue({ id: "q", overflow: { queue: "support" } }), code("invalid_queue"));
    await rejects(() => router.addAgent({ id: "x", skills: { sales: 99 } }), code("invalid_agent"));
    await router.enqueue({ callId: "c1", queueId: "support" });
    await rejects(() => router.enqueue({ callId: "c1", queueId: "support" }), code("already_queued"));
    const [offer] = offers();
    const other = offer.agentIds[0] === "ann" ? "bob" : "ann";
    await rejects(() => router.accept(offer.offerId, other), code("not_offered"));
    await router.accept(offer.offerId, offer.agentIds[0]);
  });
}
