// Two Parley nodes whose routing state is one real Redis: what one node's API defines, the other
// sees; a caller on node one reaches an agent whose leg and desktop are on node two: the offer and
// its context cross to the desktop, the audio crosses in pipe legs both ways, the agent's call
// controls run on the caller's node. With Redis gone, routing requests and new calls are refused
// with clear codes while the call goes on; with Redis back empty (a restart without persistence), the nodes
// put back what they know: the queues, the agent on its call, the caller waiting, who is offered
// to the agent next.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, type ParleyServer } from "../../core/mod.ts";
import { requireRedis, startRedis, type TestRedis } from "../../core/redis-testing.ts";
import { readEventStream, sleep, waitFor } from "../../core/testing.ts";
import { TonePhone } from "../../core/tone-phone.ts";
import { toneAmplitude } from "../../media/signal-test-utils.ts";
import { tts } from "../tts/mod.ts";
import { routing } from "./mod.ts";
import type { AgentNotice } from "./service.ts";

const ADMIN = "admin-token-0123456789";
const ANN = "agent-ann-token-0123456789";
const CALLER_HZ = 600;
const AGENT_HZ = 1400;

const as = (token: string, body?: unknown, method = "POST") => ({ method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });

/** A node: a server with routing in `redis`, on its own RTP ports. */
async function startNode(redis: TestRedis, ports: string): Promise<{ server: ParleyServer; base: string }> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports, symmetric: false }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(tts).use(routing, { agents: [{ id: "ann", name: "Ann", token: ANN }], queues: [{ id: "support" }], announceEverySeconds: 0, redis: { url: redis.url, prefix: "e2e:" } });
  const address = await server.listen();
  return { server, base: `http://127.0.0.1:${address.port}` };
}

test("a caller on one node is offered to and bridged with an agent on another; Redis gone refuses routing and keeps the call; Redis back empty, the nodes restore the agent and the waiting caller", async () => {
  if (!requireRedis()) return;
  const redis = await startRedis();
  const nodes = [await startNode(redis, "46700-46749"), await startNode(redis, "46750-46799")];
  const [one, two] = nodes as [typeof nodes[0], typeof nodes[0]];
  const agentPhone = new TonePhone("opus", AGENT_HZ);
  const caller = new TonePhone("pcmu", CALLER_HZ);
  const waiting = new TonePhone("pcmu", CALLER_HZ);
  const controller = new AbortController();
  try {
    // Defined on one node, seen on the other.
    assert.is((await fetch(`${one.base}/v1/queues`, as(ADMIN, { id: "vip", ringSeconds: 10 }))).status, 201);
    assert.ok((await (await fetch(`${two.base}/v1/queues`, as(ADMIN, undefined, "GET"))).json()).some((queue: { id: string }) => queue.id === "vip"));
    // Node one hears node two's heartbeats.
    await waitFor(async () => /parley_cluster_nodes 2\b/.test(await (await fetch(`${one.base}/metrics`, as(ADMIN, undefined, "GET"))).text()), 3000, "parley_cluster_nodes 2 on node one");
    // An agent created through one node's API signs in on the other with the token it was given.
    const created = await (await fetch(`${one.base}/v1/agents`, as(ADMIN, { id: "cy", name: "Cy" }))).json();
    await waitFor(async () => (await fetch(`${two.base}/v1/agent/me`, as(created.token, undefined, "GET"))).status === 200, 3000, "cy's token known on node two");
    assert.is((await fetch(`${two.base}/v1/agent/status`, as(ANN, { status: "on_break" }))).status, 200);
    assert.is((await (await fetch(`${one.base}/v1/agent/me`, as(ANN, undefined, "GET"))).json()).status, "on_break");

    // The agent's leg and desktop on node two, the caller on node one: the offer, with the
    // caller's context, crosses to the agent's desktop; the audio crosses in pipe legs.
    const notices: AgentNotice[] = [];
    const desk = await fetch(`${two.base}/v1/agent/events`, { headers: { authorization: `Bearer ${ANN}` }, signal: controller.signal });
    void readEventStream(desk, (data) => notices.push(data as AgentNotice)).catch(() => {});
    const leg = await (await fetch(`${two.base}/v1/agent/leg`, as(ANN, { codec: "opus", remote: `127.0.0.1:${await agentPhone.bind()}` }))).json();
    agentPhone.send(leg.port);
    assert.is((await fetch(`${two.base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);
    await caller.call(one.server);
    const heldEvents: unknown[] = [];
    caller.session.events$.subscribe((event) => event.type === "bridge.held" && heldEvents.push(event));
    caller.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", account: "12345", transcript: ["a person please"], source: "voicebot" } as EventInput);
    await waitFor(() => notices.some((n) => n.type === "offer"), 5000, "the offer at the agent's desktop");
    const offer = notices.find((n): n is Extract<AgentNotice, { type: "offer" }> => n.type === "offer")!;
    assert.match(offer.context.summary, /account 12345/);
    const accepted = await fetch(`${two.base}/v1/offers/${offer.offerId}/accept`, as(ANN));
    assert.is(accepted.status, 200);
    assert.is((await accepted.json()).callId, caller.session.id);
    assert.is((await (await fetch(`${one.base}/v1/agent/me`, as(ANN, undefined, "GET"))).json()).state, "on_call", "the caller's node sees the agent on the call");
    agentPhone.startTone();
    caller.startTone();
    await sleep(1000);
    assert.ok(toneAmplitude(caller.heardSince(caller.toneFrom + 500), AGENT_HZ, caller.rate) > 4000, "the caller hears the agent, across the nodes");
    assert.ok(toneAmplitude(agentPhone.heardSince(agentPhone.toneFrom + 500), CALLER_HZ, agentPhone.rate) > 4000, "the agent hears the caller, across the nodes");
    // Call controls from the agent's node run on the caller's.
    assert.is((await fetch(`${two.base}/v1/agent/call/hold`, as(ANN))).status, 204);
    await waitFor(() => heldEvents.length > 0, 3000, "the caller put on hold");
    assert.is((await fetch(`${two.base}/v1/agent/call/unhold`, as(ANN))).status, 204);
    // A second caller waits for the busy agent, on node one too.
    await waiting.call(one.server);
    waiting.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
    await waitFor(async () => (await (await fetch(`${one.base}/v1/queues/support`, as(ADMIN, undefined, "GET"))).json()).waiting === 1, 5000, "the second caller waiting");

    // Redis gone: routing requests are refused with the store's code; the bridged call goes on.
    await redis.kill();
    const refused = await fetch(`${two.base}/v1/agent/status`, as(ANN, { status: "on_break" }));
    assert.equal([refused.status, (await refused.json()).error.code], [503, "PARLEY_ERR_ROUTING_STORE_UNAVAILABLE"]);
    const newCall = await fetch(`${one.base}/v1/rtp`, as(ADMIN, { codec: "pcmu" }));
    assert.equal([newCall.status, (await newCall.json()).error.code], [503, "PARLEY_ERR_UNAVAILABLE"], "a new call is refused: this node cannot route it");
    const gone = performance.now();
    await sleep(600);
    assert.ok(toneAmplitude(caller.heardSince(gone), AGENT_HZ, caller.rate) > 4000, "the caller still hears the agent with Redis gone");

    // Redis back, empty: each node puts back what it knows: the agent on its call, the caller
    // waiting, in the queue; when the agent's call ends, the waiting caller is offered to it.
    await redis.restart();
    await waitFor(async () => (await fetch(`${two.base}/v1/queues/support`, as(ADMIN, undefined, "GET"))).status === 200, 10_000, "the queue defined again in the new Redis");
    await waitFor(async () => (await (await fetch(`${one.base}/v1/queues/support`, as(ADMIN, undefined, "GET"))).json()).waiting === 1, 5000, "the waiting caller back in the queue");
    const me = await (await fetch(`${two.base}/v1/agent/me`, as(ANN, undefined, "GET"))).json();
    assert.equal([me.status, me.state, me.callId], ["available", "on_call", caller.session.id], "the agent back as it was, on its call");
    await caller.session.hangup("caller_hangup");
    await waitFor(() => notices.some((n) => n.type === "call.ended"), 5000, "call.ended at the agent's desktop, from the caller's node");
    assert.is((await (await fetch(`${two.base}/v1/agent/me`, as(ANN, undefined, "GET"))).json()).state, "wrap_up");
    assert.is((await fetch(`${two.base}/v1/agent/wrapup`, as(ANN, { disposition: "resolved" }))).status, 204);
    await waitFor(() => notices.filter((n) => n.type === "offer").length === 2, 5000, "the waiting caller offered to the agent");
    assert.is(notices.filter((n): n is Extract<AgentNotice, { type: "offer" }> => n.type === "offer")[1]!.callId, waiting.session.id);
  } finally {
    controller.abort();
    await Promise.all([agentPhone.close(), caller.close(), waiting.close()]);
    for (const node of nodes) await node.server.close();
    await redis.stop();
  }
});

test.run();
