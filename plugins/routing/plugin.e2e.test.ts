import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, type ParleyServer, type SessionEvent } from "../../core/mod.ts";
import { http, readEventStream, waitFor } from "../../core/testing.ts";
import { TonePhone } from "../../core/tone-phone.ts";
import { toneAmplitude } from "../../media/signal-test-utils.ts";
import { tts } from "../tts/mod.ts";
import { routing } from "./mod.ts";
import type { AgentNotice } from "./service.ts";

const ADMIN = "admin-token-0123456789";
const ANN = "agent-ann-token-0123456789";
const PORTS = "46600-46699";
const CALLER_HZ = 600;
const AGENT_HZ = 1400;

/** An agent desktop without the page: the agent's notices read from /v1/agent/events. */
async function agentEvents(base: string, token: string): Promise<{ notices: AgentNotice[]; stop(): void }> {
  const notices: AgentNotice[] = [];
  const controller = new AbortController();
  const response = await fetch(`${base}/v1/agent/events`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
  assert.is(response.status, 200);
  void readEventStream(response, (data) => notices.push(data as AgentNotice));
  return { notices, stop: () => controller.abort() };
}

async function withRouting(run: (server: ParleyServer, base: string) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(tts).use(routing, { agents: [{ id: "ann", name: "Ann", token: ANN }], queues: [{ id: "support", wrapUpSeconds: 30 }], announceEverySeconds: 0 });
  try {
    const address = await server.listen();
    await run(server, `http://127.0.0.1:${address.port}`);
  } finally {
    await server.close();
  }
}

test("a handed-over caller reaches the agent who accepts, with the context first; audio crosses both ways; wrap-up frees the agent", async () => {
  await withRouting(async (server, base) => {
    const as = (token: string, body?: unknown, method = "POST") => ({ method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const agentPhone = new TonePhone("opus", AGENT_HZ);
    const caller = new TonePhone("pcmu", CALLER_HZ);
    const desk = await agentEvents(base, ANN);
    try {
      const leg = await (await fetch(`${base}/v1/agent/leg`, as(ANN, { codec: "opus", remote: `127.0.0.1:${await agentPhone.bind()}` }))).json();
      agentPhone.send(leg.port);
      assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);
      await caller.call(server);
      const events: SessionEvent[] = [];
      caller.session.events$.subscribe((event) => events.push(event));
      caller.session.emit({ type: "voicebot.intent", intent: "billing", via: "speech", text: "billing", source: "voicebot" } as EventInput);
      caller.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", account: "12345", transcript: ["I want to talk to a person"], source: "voicebot" } as EventInput);
      await waitFor(() => desk.notices.some((n) => n.type === "offer"), 3000, "the offer at the agent's desktop");
      const offer = desk.notices.find((n): n is Extract<AgentNotice, { type: "offer" }> => n.type === "offer")!;
      assert.match(offer.context.summary, /account 12345 wants billing \(asked for a person\)/);
      // The agent already talks (a headset is live): how soon after the accept the caller hears them.
      agentPhone.startTone();
      const acceptAt = performance.now();
      const accepted = await fetch(`${base}/v1/offers/${offer.offerId}/accept`, as(ANN));
      assert.is(accepted.status, 200);
      caller.startTone();
      await new Promise((resolve) => setTimeout(resolve, 1200));
      const answerToAudio = caller.firstHeard(AGENT_HZ, acceptAt);
      console.log(`routing: the caller hears the agent ${answerToAudio?.toFixed(0)} ms after the accept request`);
      // Reported, not gated (timed assertions fail on a busy machine): the target is under 300 ms.
      assert.ok(answerToAudio !== undefined, "the caller hears the agent after the accept");
      assert.ok(toneAmplitude(agentPhone.heardSince(agentPhone.toneFrom + 300), CALLER_HZ, agentPhone.rate) > 4000, "the agent hears the caller");
      assert.ok(toneAmplitude(caller.heardSince(caller.toneFrom + 300), AGENT_HZ, caller.rate) > 4000, "the caller hears the agent");
      assert.ok(events.some((e) => e.type === "queue.answered"));
      await caller.session.hangup("caller_hangup");
      const completed = events.find((e) => e.type === "call.completed");
      assert.ok(completed, "the caller who hung up still gets call.completed on their session, before session.ended");
      assert.ok(events.indexOf(completed) < events.findIndex((e) => e.type === "session.ended"));
      await waitFor(() => desk.notices.some((n) => n.type === "call.ended"), 3000, "call.ended at the desktop");
      const me = await (await fetch(`${base}/v1/agent/me`, as(ANN, undefined, "GET"))).json();
      assert.is(me.state, "wrap_up");
      assert.is((await fetch(`${base}/v1/agent/wrapup`, as(ANN, { disposition: "resolved", notes: "refunded" }))).status, 204);
      assert.is((await (await fetch(`${base}/v1/agent/me`, as(ANN, undefined, "GET"))).json()).state, "idle");
      const metrics = await (await fetch(`${base}/metrics`, as(ADMIN, undefined, "GET"))).text();
      assert.match(metrics, /parley_queue_answered_total\{queue="support"\} 1/);
      assert.match(metrics, /parley_agents\{status="available",state="idle"\} 1/);
    } finally {
      desk.stop();
      await Promise.all([agentPhone.close(), caller.close()]);
    }
  });
});

test("races and bad calls: a double accept, an accept after the caller hung up, an agent leg lost mid-call, unknown ids, a bad configuration at start", async () => {
  await withRouting(async (server, base) => {
    const as = (token: string, body?: unknown, method = "POST") => ({ method, headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const agentPhone = new TonePhone("pcmu", AGENT_HZ);
    const callers = [new TonePhone("pcmu", CALLER_HZ), new TonePhone("pcmu", CALLER_HZ)];
    const desk = await agentEvents(base, ANN);
    const offers = () => desk.notices.filter((n): n is Extract<AgentNotice, { type: "offer" }> => n.type === "offer");
    const handOver = async (phone: TonePhone) => {
      await phone.call(server);
      phone.session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);
    };
    try {
      const leg = await (await fetch(`${base}/v1/agent/leg`, as(ANN, { codec: "pcmu", remote: `127.0.0.1:${await agentPhone.bind()}` }))).json();
      agentPhone.send(leg.port);
      assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);

      // The caller hangs up while the agent's desk rings: the accept that comes after finds the offer gone.
      await handOver(callers[0]!);
      await waitFor(() => offers().length === 1, 3000, "the first offer");
      await callers[0]!.session.hangup("caller_hangup");
      const late = await fetch(`${base}/v1/offers/${offers()[0]!.offerId}/accept`, as(ANN));
      assert.equal([late.status, (await late.json()).error.code], [409, "PARLEY_ERR_ROUTING_OFFER_GONE"]);

      // Two accepts of one offer at once (a double click): one wins, the other is told the offer is gone.
      await handOver(callers[1]!);
      await waitFor(() => offers().length === 2, 3000, "the second offer");
      const both = await Promise.all([0, 1].map(() => fetch(`${base}/v1/offers/${offers()[1]!.offerId}/accept`, as(ANN))));
      assert.equal(both.map((r) => r.status).sort(), [200, 409]);
      const events: SessionEvent[] = [];
      callers[1]!.session.events$.subscribe((event) => events.push(event));

      // The agent's leg goes away mid-call: the caller hears why and is first in line again, its context kept.
      await http(base, `/v1/sessions/${leg.sessionId}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
      await waitFor(() => events.some((e) => e.type === "queue.entered"), 3000, "the caller back in the queue");
      assert.is((events.find((e) => e.type === "queue.entered") as { position: number }).position, 1);
      assert.ok(events.some((e) => e.type === "tts.say" && /lost the connection to your agent/.test(e.text)), "the caller is told, not left in silence");
      assert.is((await (await fetch(`${base}/v1/agent/me`, as(ANN, undefined, "GET"))).json()).status, "offline");

      // Unknown ids are 404s with their own codes.
      const unknownQueue = await http(base, "/v1/queues/nope", { headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal([unknownQueue.status, unknownQueue.json<{ error: { code: string } }>().error.code], [404, "PARLEY_ERR_ROUTING_UNKNOWN_QUEUE"]);
      const unknownAgent = await http(base, "/v1/agents/nobody/status", { method: "PUT", contentType: "application/json", body: JSON.stringify({ status: "available" }), headers: { authorization: `Bearer ${ADMIN}` } });
      assert.equal([unknownAgent.status, unknownAgent.json<{ error: { code: string } }>().error.code], [404, "PARLEY_ERR_ROUTING_UNKNOWN_AGENT"]);
    } finally {
      desk.stop();
      await Promise.all([agentPhone.close(), ...callers.map((phone) => phone.close())]);
    }
  });
  // A queue that overflows into one that does not exist stops the server at start, with the code and the reason.
  const bad = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, logLevel: "silent" })
    .use(routing, { queues: [{ id: "support", maxWaitSeconds: 60, overflow: { queue: "missing" } }] });
  try {
    await bad.listen();
    assert.unreachable("the server started with an invalid queue");
  } catch (error) {
    assert.match(String((error as Error).message), /missing/);
    assert.is((error as { code?: string }).code, "PARLEY_ERR_ROUTING_INVALID_QUEUE");
  } finally {
    await bad.close();
  }
});

test("every route checks who asks: an agent cannot read queues or act for another agent, an admin is not an agent, no token is 401", async () => {
  await withRouting(async (_server, base) => {
    const get = (path: string, token?: string) => http(base, path, { headers: token ? { authorization: `Bearer ${token}` } : {} }).then((r) => r.status);
    assert.is(await get("/v1/queues", ANN), 403);
    assert.is(await get("/v1/queues", ADMIN), 200);
    assert.is(await get("/v1/agent/me", ADMIN), 403);
    assert.is(await get("/v1/agent/me"), 401);
    assert.is(await get("/v1/agent/me", ANN), 200);
    assert.is(await get("/agent"), 200);
    const created = await fetch(`${base}/v1/agents`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ id: "bob", skills: { billing: 5 } }) });
    const { token } = await created.json();
    assert.is(await get("/v1/agent/me", token), 200, "the issued token is bob's");
    const decline = await fetch(`${base}/v1/offers/nope/decline`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    assert.equal([decline.status, (await decline.json()).error.code], [409, "PARLEY_ERR_ROUTING_OFFER_GONE"]);
    const accept = await fetch(`${base}/v1/offers/nope/accept`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    const refusal = await accept.json();
    assert.equal([accept.status, refusal.error.code], [400, "PARLEY_ERR_ROUTING_INVALID_AGENT"]);
    assert.match(refusal.error.message, /no audio/);
    const badQueue = await fetch(`${base}/v1/queues`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, body: JSON.stringify({ id: "q", strategy: "random" }) });
    assert.equal([badQueue.status, (await badQueue.json()).error.code], [400, "PARLEY_ERR_ROUTING_INVALID_QUEUE"]);
  });
});

test.run();
