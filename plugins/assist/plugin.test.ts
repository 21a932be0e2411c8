// The assist plugin on a real server, driven by scripted events: a caller's leg and an agent's leg
// (marked as the routing plugin marks them) bridged by the core, transcripts and emotion events
// emitted as the asr and emotion plugins would, and what the plugin says back on the caller's leg.
import { resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bridge, createServer, type EventInput, ParleyError, type ParleyServer, type Session, type SessionEvent } from "../../core/mod.ts";
import { http, metricTotal, waitFor } from "../../core/testing.ts";
import { assist, type AssistOptions } from "./mod.ts";

const ADMIN = "admin-token-0123456789";
const SAMPLE = resolve(import.meta.dirname ?? "plugins/assist", "../../examples/knowledge-base");

type Of<T extends SessionEvent["type"]> = Extract<SessionEvent, { type: T }>;

async function withAssist(options: Partial<AssistOptions>, run: (server: ParleyServer, base: string) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "49300-49319" }, auth: { tokens: [ADMIN] }, logLevel: "silent" });
  server.use(assist, { knowledgeBase: SAMPLE, ...options });
  try {
    const { port } = await server.listen();
    await run(server, `http://127.0.0.1:${port}`);
  } finally {
    await server.close();
  }
}

async function open(server: ParleyServer, metadata: Record<string, string> = {}): Promise<{ session: Session; events: SessionEvent[] }> {
  const { session } = await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata });
  const events: SessionEvent[] = [];
  session.events$.subscribe((event) => events.push(event));
  return { session, events };
}

const transcript = (text: string) => ({ type: "transcript", utteranceId: "u", text, confidence: 0.9, words: [], startMs: 0, endMs: 1000, latencyMs: 100, engine: "script", search: "dictation", endpoint: "turn_end", source: "asr" }) as EventInput;
const emotion = (label: string, score: number, valence: number) => ({
  type: "emotion", scope: "utterance", status: "ok", label, scores: { neutral: 1 - score, happy: 0, sad: 0, angry: 0, [label]: score }, arousal: 0.5, valence, startMs: 0, endMs: 1000, speechMs: 900, source: "emotion",
}) as EventInput;
const ofType = <T extends SessionEvent["type"]>(events: SessionEvent[], type: T) => events.filter((e): e is Of<T> => e.type === type);

test("on a bridged call: suggestions for the caller's turns (the earlier ones at once), the disclosure heard, a reminder for the one not said, an alert when the caller turns angry; nothing once unbridged", async () => {
  await withAssist({
    disclosures: [{ id: "recording_notice", phrases: ["this call is recorded"], withinSeconds: 1 }, { id: "agent_name", phrases: ["my name is"], withinSeconds: 1 }],
    graceMs: 0,
  }, async (server) => {
    const caller = await open(server);
    const agent = await open(server, { agentLeg: "mark" });
    caller.session.emit(transcript("I lost my debit card yesterday"));
    assert.is(ofType(caller.events, "assist.suggestions").length, 0, "no agent yet: nothing to suggest to");
    caller.session.emit({ type: "queue.answered", queueId: "support", agentId: "ann", waitMs: 1000, source: "routing" } as EventInput);
    const connected = bridge(caller.session, agent.session);
    const [first] = ofType(caller.events, "assist.suggestions");
    assert.equal([first?.agentId, first?.query, first?.articles[0]?.id], ["ann", "I lost my debit card yesterday", "lost-or-stolen-card"], "what the caller told the bot, at once");
    assert.ok(first!.articles.length <= 3 && first!.articles[0]!.snippet.length > 0);

    agent.session.emit(transcript("hello this call is recorded how can I help"));
    caller.session.emit(transcript("and I also forgot my pin"));
    const second = ofType(caller.events, "assist.suggestions")[1];
    assert.is(second?.articles[0]?.id, "forgotten-pin", "the latest turn leads");
    assert.is(second?.query, "I lost my debit card yesterday / and I also forgot my pin");
    const [disclosed] = ofType(caller.events, "assist.disclosed");
    assert.equal([disclosed?.disclosureId, disclosed?.late, disclosed?.heard], ["recording_notice", false, "hello this call is recorded how can I help"]);

    caller.session.emit(emotion("neutral", 0.7, 0.1));
    caller.session.emit(emotion("angry", 0.8, -0.3));
    caller.session.emit(emotion("angry", 0.9, -0.4));
    const alerts = ofType(caller.events, "assist.alert");
    assert.equal(alerts.map((a) => [a.reason, a.label, a.score, a.text]), [["negative_emotion", "angry", 0.8, "and I also forgot my pin"]], "one alert at the turn");

    await waitFor(() => ofType(caller.events, "assist.reminder").length > 0, 5000, "the reminder of the disclosure not made");
    assert.equal(ofType(caller.events, "assist.reminder").map((r) => [r.disclosureId, r.phrase, r.withinSeconds, r.agentId]), [["agent_name", "my name is", 1, "ann"]]);
    assert.equal(agent.events.filter((e) => e.type.startsWith("assist.")), [], "the agent's own leg gets nothing");

    connected.unbridge();
    await connected.ended;
    const before = caller.events.length;
    caller.session.emit(transcript("what time do you open"));
    caller.session.emit(emotion("neutral", 0.9, 0.2));
    caller.session.emit(emotion("angry", 0.9, -0.6));
    assert.equal(caller.events.slice(before).filter((e) => e.type.startsWith("assist.")), [], "nobody to assist after the bridge");
    assert.is(await metricTotal(server.metrics.registry, "parley_assist_suggestions_total"), 2);
  });
});

test("a reminder timer that fires before the wall clock reaches its deadline (a busy event loop's clock lags) still reminds, once", async () => {
  await withAssist({ disclosures: [{ id: "recording_notice", phrases: ["this call is recorded"], withinSeconds: 1 }], graceMs: 0 }, async (server) => {
    const caller = await open(server);
    const agent = await open(server, { agentLeg: "mark" });
    const wallClock = Date.now;
    try {
      bridge(caller.session, agent.session);
      // From the bridge on, Date.now() runs 30 ms behind the timers' clock.
      Date.now = () => wallClock() - 30;
      await waitFor(() => ofType(caller.events, "assist.reminder").length > 0, 5000, "the reminder");
    } finally {
      Date.now = wallClock;
    }
    await new Promise((done) => setTimeout(done, 100));
    assert.is(ofType(caller.events, "assist.reminder").length, 1);
  });
});

test("the articles are served to staff and agents with a token, a coded 404 for an unknown one", async () => {
  await withAssist({}, async (_server, base) => {
    const admin = { headers: { authorization: `Bearer ${ADMIN}` } };
    const list = await http(base, "/v1/assist/articles", admin);
    assert.is(list.status, 200);
    assert.ok((list.json() as { id: string }[]).some((a) => a.id === "forgotten-pin"));
    const article = (await http(base, "/v1/assist/articles/forgotten-pin", admin)).json<{ title: string; markdown: string }>();
    assert.equal([article.title, article.markdown.startsWith("# Forgotten or blocked PIN")], ["Forgotten or blocked PIN", true]);
    const missing = await http(base, "/v1/assist/articles/nothing-here", admin);
    assert.equal([missing.status, missing.json<{ error: { code: string } }>().error.code], [404, "PARLEY_ERR_ASSIST_UNKNOWN_ARTICLE"]);
    assert.is((await http(base, "/v1/assist/articles/forgotten-pin")).status, 401, "no token");
  });
});

test("a knowledge base that cannot be read stops the server at start with a coded error", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent" });
  server.use(assist, { knowledgeBase: "/nonexistent/knowledge-base" });
  try {
    const error = await server.ready().then(() => undefined, (e: unknown) => e);
    assert.instance(error, ParleyError);
    assert.is((error as ParleyError).code, "PARLEY_ERR_ASSIST_KNOWLEDGE_BASE");
  } finally {
    await server.close().catch(() => {});
  }
});

test.run();
