// The KPIs of a scripted day of seven calls (contained, transferred, abandoned, a callback, one
// that never reached the queue, three surveyed), each figure worked out by hand in the comments,
// read from GET /v1/kpis and from the /metrics text of a real server.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, type ParleyServer, type Session } from "../../core/mod.ts";
import { kpi, type KpiReport } from "./mod.ts";

const ADMIN = "admin-token-0123456789";

/** One scripted call: the caller's number (none: unknown), its events, and its agent's part. */
interface Script {
  caller?: string;
  events: Record<string, unknown>[];
  handled?: { talkMs: number; holdMs: number; wrapUpMs: number };
}

const handover = { type: "route.request", intent: "agent", reason: "caller_request", transcript: [] };
const entered = { type: "queue.entered", queueId: "support", priority: 0, position: 1 };
const answered = (waitMs: number) => ({ type: "queue.answered", queueId: "support", agentId: "ann", waitMs });
const survey = (score: number) => ({ type: "survey.answered", score, via: "dtmf" });

const CALLS: Script[] = [
  { caller: "+15550111", events: [{ type: "voicebot.intent", intent: "billing", via: "dtmf", text: "1" }, survey(5)] },
  { caller: "+15550222", events: [handover, entered, answered(12_000)], handled: { talkMs: 180_000, holdMs: 30_000, wrapUpMs: 20_000 } },
  // The first caller again: a repeat call; the caller hangs up waiting.
  { caller: "+15550111", events: [handover, entered, { type: "queue.abandoned", queueId: "support", waitMs: 45_000, position: 1 }] },
  { events: [handover, entered, answered(30_000), survey(2)], handled: { talkMs: 300_000, holdMs: 0, wrapUpMs: 60_000 } },
  { caller: "+15550333", events: [survey(3)] },
  // The second caller again: a repeat call; asks to be called back.
  { caller: "+15550222", events: [handover, entered, { type: "queue.callback_requested", queueId: "support", waitMs: 5_000 }] },
  // Asks for a person and hangs up before reaching the queue.
  { caller: "+15550444", events: [handover] },
];

/** What the seven calls give, by hand. */
const EXPECTED = {
  calls: 7,
  outcomes: { contained: 2, transferred: 2, abandoned: 1, callback: 1, unanswered: 1 },
  containmentRate: 2 / 7,
  transferRate: 2 / 7,
  // 1 abandoned of 4 queue entries.
  abandonmentRate: 1 / 4,
  // Waits 12 s and 30 s: one within 20 s.
  serviceLevel: { thresholdSeconds: 20, answered: 2, inTime: 1, ratio: 1 / 2 },
  averageSpeedOfAnswerSeconds: 21,
  // (180 + 20) and (300 + 60) s; talk without hold 150 and 300, hold 30 and 0, wrap-up 20 and 60.
  averageHandleTimeSeconds: 280,
  handle: { parts: 2, talkSeconds: 225, holdSeconds: 15, wrapUpSeconds: 40 },
  // Six calls with a number, two of them repeats.
  repeatCallers: { windowDays: 7, identifiedCalls: 6, repeatCalls: 2, ratio: 1 / 3 },
  firstContactResolution: 2 / 3,
  // Scores 5, 2, 3: one satisfied.
  csat: { answers: 3, satisfied: 1, ratio: 1 / 3, meanScore: 10 / 3 },
};

async function withServer(historyFile: string, run: (server: ParleyServer, base: string) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "48920-48939" }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(kpi, { historyFile, historySalt: "test" });
  try {
    const { port } = await server.listen();
    await run(server, `http://127.0.0.1:${port}`);
  } finally {
    await server.close();
  }
}

async function open(server: ParleyServer, metadata: Record<string, string>): Promise<Session> {
  return (await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata })).session;
}

/** Plays the scripted calls one after the other; each agent's part is reported on the agent's leg, as the routing plugin does. */
async function playCalls(server: ParleyServer): Promise<void> {
  const agentLeg = await open(server, { agentLeg: "mark" });
  for (const script of CALLS) {
    const session = await open(server, script.caller ? { callerId: script.caller } : {});
    for (const event of script.events) session.emit({ ...event, source: "script" } as EventInput);
    await session.hangup("caller_hangup");
    if (script.handled) agentLeg.emit({ type: "call.handled", callId: session.id, queueId: "support", agentId: "ann", ...script.handled, source: "routing" } as EventInput);
  }
  await agentLeg.hangup();
}

/** A sample of the metrics text, by its name and labels as written (`parley_kpi_calls_total{outcome="contained"}`). */
function sample(text: string, series: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  assert.ok(line, `${series} is in the metrics`);
  return Number(line!.slice(series.length + 1));
}

test("every KPI of the scripted calls, from GET /v1/kpis and from /metrics, is the hand-computed value", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-kpi-"));
  try {
    await withServer(join(directory, "callers.json"), async (server, base) => {
      await playCalls(server);
      const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
      const response = await fetch(`${base}/v1/kpis`, auth);
      assert.is(response.status, 200);
      const { since: _since, until: _until, ...report } = (await response.json()) as KpiReport;
      assert.equal(report, EXPECTED);

      const text = await (await fetch(`${base}/metrics`, auth)).text();
      const outcome = (name: string) => sample(text, `parley_kpi_calls_total{outcome="${name}"}`);
      const calls = ["contained", "transferred", "abandoned", "callback", "unanswered"].reduce((sum, name) => sum + outcome(name), 0);
      assert.is(calls, EXPECTED.calls);
      assert.is(outcome("contained") / calls, EXPECTED.containmentRate);
      assert.is(outcome("transferred") / calls, EXPECTED.transferRate);
      assert.is(sample(text, 'parley_kpi_handle_seconds_sum{queue="support"}') / sample(text, 'parley_kpi_handle_seconds_count{queue="support"}'), EXPECTED.averageHandleTimeSeconds);
      const repeats = sample(text, 'parley_kpi_identified_calls_total{repeat="true"}');
      assert.is(repeats / (repeats + sample(text, 'parley_kpi_identified_calls_total{repeat="false"}')), EXPECTED.repeatCallers.ratio);
      const scores = [1, 2, 3, 4, 5].map((score) => sample(text, `parley_kpi_survey_answers_total{score="${score}"}`));
      assert.equal(scores, [0, 1, 1, 0, 1]);
      assert.is((scores[3]! + scores[4]!) / (scores.reduce((a, b) => a + b, 0)), EXPECTED.csat.ratio);
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("GET /v1/kpis: a period with no calls gives nulls, not zeros; a bad period is a coded 400; no token is a 401", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-kpi-"));
  try {
    await withServer(join(directory, "callers.json"), async (server, base) => {
      await playCalls(server);
      const auth = { headers: { authorization: `Bearer ${ADMIN}` } };
      const future = new Date(Date.now() + 86_400_000).toISOString();
      const empty = (await (await fetch(`${base}/v1/kpis?since=${future}&until=${future}`, auth)).json()) as KpiReport;
      assert.is(empty.calls, 0);
      assert.is(empty.containmentRate, null);
      assert.is(empty.averageHandleTimeSeconds, null);
      assert.is(empty.csat.ratio, null);
      const bad = await fetch(`${base}/v1/kpis?since=yesterday`, auth);
      assert.is(bad.status, 400);
      assert.is(((await bad.json()) as { error: { code: string } }).error.code, "PARLEY_ERR_KPI_PERIOD");
      const reversed = await fetch(`${base}/v1/kpis?since=2000&until=1000`, auth);
      assert.is(reversed.status, 400);
      assert.is((await fetch(`${base}/v1/kpis`)).status, 401);
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("the caller history file keeps salted digests, never numbers, and a restarted server counts a returning caller as a repeat", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-kpi-"));
  const file = join(directory, "callers.json");
  try {
    await withServer(file, async (server) => {
      const first = await open(server, { callerId: "+15550999" });
      await first.hangup();
    });
    const stored = readFileSync(file, "utf8");
    assert.not.match(stored, /15550999/);
    assert.is(Object.keys(JSON.parse(stored)).length, 1);
    await withServer(file, async (server, base) => {
      const again = await open(server, { callerId: "+15550999" });
      await again.hangup();
      const report = (await (await fetch(`${base}/v1/kpis`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as KpiReport;
      assert.equal(report.repeatCallers, { windowDays: 7, identifiedCalls: 1, repeatCalls: 1, ratio: 1 });
    });
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
