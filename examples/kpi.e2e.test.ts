// The KPIs of real calls through the routing plugin: one caller answered by an agent (with a hold
// and a wrap-up), one who hangs up waiting, one who stays with the bot. GET /v1/kpis agrees with
// what the routing plugin measured itself (its events and its metrics), and with the kpi metrics.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, type ParleyServer, type Session, type SessionEvent } from "../core/mod.ts";
import { waitFor } from "../core/testing.ts";
import { kpi, type KpiReport } from "../plugins/kpi/mod.ts";
import { routing } from "../plugins/routing/mod.ts";
import { tts } from "../plugins/tts/mod.ts";

const ADMIN = "admin-token-0123456789";
const ANN = "agent-ann-token-0123456789";

/** A caller's leg with its number, and every event of it. */
async function caller(server: ParleyServer, number: string): Promise<{ session: Session; events: SessionEvent[] }> {
  const { session } = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata: { callerId: number } });
  const events: SessionEvent[] = [];
  session.events$.subscribe((event) => events.push(event));
  return { session, events };
}

const handOver = (session: Session) => session.emit({ type: "route.request", intent: "agent", reason: "caller_request", transcript: [], source: "voicebot" } as EventInput);

/** A sample of the metrics text (`name{labels}` as written), 0 when absent. */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

test("answered with hold and wrap-up, abandoned, contained: GET /v1/kpis matches the routing plugin's events and metrics and the kpi metrics", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "48980-48999" }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(tts).use(routing, { agents: [{ id: "ann", name: "Ann", token: ANN }], queues: [{ id: "support", wrapUpSeconds: 60 }], announceEverySeconds: 0 }).use(kpi);
  try {
    const { port } = await server.listen();
    const base = `http://127.0.0.1:${port}`;
    const as = (token: string, body?: unknown) => ({ method: "POST", headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) }, body: body ? JSON.stringify(body) : undefined });
    const get = (path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${ADMIN}` } });

    const leg = await (await fetch(`${base}/v1/agent/leg`, as(ANN, { codec: "pcmu", remote: "127.0.0.1:9" }))).json();
    const agentLeg = server.sessions().find((session) => session.id === leg.sessionId)!;
    const legEvents: SessionEvent[] = [];
    agentLeg.events$.subscribe((event) => legEvents.push(event));
    assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "available" }))).status, 200);

    // Answered: offered, accepted, held a moment, the caller hangs up, the agent wraps up.
    const first = await caller(server, "+15550101");
    handOver(first.session);
    await waitFor(() => first.events.some((e) => e.type === "queue.offered"), 3000, "the offer");
    const offer = first.events.find((e) => e.type === "queue.offered")!;
    assert.is((await fetch(`${base}/v1/offers/${offer.offerId}/accept`, as(ANN))).status, 200);
    assert.is((await fetch(`${base}/v1/agent/call/hold`, as(ANN))).status, 204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.is((await fetch(`${base}/v1/agent/call/unhold`, as(ANN))).status, 204);
    await first.session.hangup("caller_hangup");
    await waitFor(async () => (await (await fetch(`${base}/v1/agent/me`, { headers: { authorization: `Bearer ${ANN}` } })).json()).state === "wrap_up", 3000, "the wrap-up");
    assert.is((await fetch(`${base}/v1/agent/wrapup`, as(ANN, { disposition: "resolved" }))).status, 204);
    await waitFor(() => legEvents.some((e) => e.type === "call.handled"), 3000, "call.handled on the agent's leg");

    // Abandoned: nobody is available, the caller hangs up waiting.
    assert.is((await fetch(`${base}/v1/agent/status`, as(ANN, { status: "on_break" }))).status, 200);
    const second = await caller(server, "+15550102");
    handOver(second.session);
    await waitFor(() => second.events.some((e) => e.type === "queue.entered"), 3000, "the second caller queued");
    await second.session.hangup("caller_hangup");

    // Contained: the same number as the first caller, served by the bot alone: a repeat call.
    const third = await caller(server, "+15550101");
    await third.session.hangup("caller_hangup");

    const answered = first.events.find((e) => e.type === "queue.answered")!;
    const handled = legEvents.find((e) => e.type === "call.handled")!;
    assert.is(handled.callId, first.session.id);
    assert.ok(handled.holdMs >= 250 && handled.holdMs <= handled.talkMs, `hold ${handled.holdMs} ms within talk ${handled.talkMs} ms`);
    console.log(`kpi e2e: wait ${answered.waitMs} ms, talk ${handled.talkMs} ms (hold ${handled.holdMs} ms), wrap-up ${handled.wrapUpMs} ms`);

    const report = (await (await get("/v1/kpis")).json()) as KpiReport;
    assert.is(report.calls, 3);
    assert.equal(report.outcomes, { contained: 1, transferred: 1, abandoned: 1, callback: 0, unanswered: 0 });
    assert.is(report.containmentRate, 1 / 3);
    assert.is(report.transferRate, 1 / 3);
    assert.is(report.abandonmentRate, 1 / 2);
    assert.is(report.averageSpeedOfAnswerSeconds, answered.waitMs / 1000);
    assert.is(report.averageHandleTimeSeconds, (handled.talkMs + handled.wrapUpMs) / 1000);
    assert.equal(report.handle, { parts: 1, talkSeconds: (handled.talkMs - handled.holdMs) / 1000, holdSeconds: handled.holdMs / 1000, wrapUpSeconds: handled.wrapUpMs / 1000 });
    assert.equal(report.repeatCallers, { windowDays: 7, identifiedCalls: 3, repeatCalls: 1, ratio: 1 / 3 });

    // The same figures from /metrics: the routing plugin's queue metrics and the kpi plugin's.
    const text = await (await get("/metrics")).text();
    const q = (name: string, labels = "") => sample(text, `${name}{queue="support"${labels}}`);
    assert.is(q("parley_queue_abandoned_total") / q("parley_queue_entered_total"), report.abandonmentRate);
    assert.is(q("parley_queue_wait_seconds_sum", ',outcome="answered"') / q("parley_queue_wait_seconds_count", ',outcome="answered"'), report.averageSpeedOfAnswerSeconds);
    assert.is(q("parley_queue_service_level_ratio"), report.serviceLevel.ratio);
    assert.is(q("parley_kpi_handle_seconds_sum") / q("parley_kpi_handle_seconds_count"), report.averageHandleTimeSeconds);
    assert.is(sample(text, 'parley_kpi_calls_total{outcome="contained"}'), 1);
    assert.is(sample(text, 'parley_kpi_identified_calls_total{repeat="true"}'), 1);
  } finally {
    await server.close();
  }
});

test.run();
