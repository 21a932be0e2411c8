// The post-call records API on a real server: who reads what, 404s, the list's period, records
// kept across a restart, and the bound on how many are kept.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, definePlugin } from "../../core/mod.ts";
import { buildRecord } from "./build.ts";
import type { ObservedEvent } from "./call-events.ts";
import { postcall } from "./plugin.ts";
import type { PostCallRecord } from "./record.ts";
import { RecordStore } from "./records.ts";
import { scorecardRules } from "./scorecard.ts";
import { withDirectory } from "./testing.ts";
import { waitFor } from "../../core/testing.ts";

const ADMIN = "admin-token-0123456789";
const SUPERVISOR = "supervisor-token-0123456789";
const ANN = "agent-ann-token";

/** A stand-in for the routing plugin's agent tokens (unit test only). */
const agentTokens = definePlugin({
  name: "agent-tokens",
  version: "1.0.0",
  setup(context) {
    context.addTokenResolver((token) => (token === ANN ? { role: "agent", agentId: "ann" } : undefined));
  },
});

/** The record of a one-minute call starting at `start`, answered by `agentId` if given. */
function record(callId: string, start: number, agentId?: string): PostCallRecord {
  const at = (offset: number, type: string, fields: Record<string, unknown> = {}): ObservedEvent => ({ type, ts: start + offset, sessionId: callId, ...fields });
  const events = [
    at(0, "session.started"),
    { ...at(3000, "transcript"), text: "hello", startMs: 1000, endMs: 2000, confidence: 0.9 },
    ...(agentId ? [at(4000, "queue.entered", { queueId: "sales" }), at(9000, "queue.answered", { queueId: "sales", agentId, waitMs: 5000 })] : []),
    at(60000, "session.ended", { reason: "hangup", durationMs: 60000 }),
  ];
  return buildRecord({ caller: { legId: callId, startedAt: start, transport: "rtp", codec: "pcmu", metadata: {}, events }, peers: [] }, { scorecard: scorecardRules(), highlights: 3 });
}

/** Writes records as an earlier run of the plugin kept them. */
function keep(directory: string, ...records: PostCallRecord[]): void {
  mkdirSync(join(directory, "records"), { recursive: true });
  for (const r of records) writeFileSync(join(directory, "records", `${r.callId}.json`), JSON.stringify(r));
}

test("the records API: staff read every record, an agent only calls they answered; unknown ids, bad ids and other agents' calls are 404s; no token is a 401", withDirectory(async (directory) => {
  const now = Date.now();
  keep(directory, record("call-bot", now - 3 * 3600_000), record("call-ann", now - 2 * 3600_000, "ann"), record("call-bob", now - 3600_000, "bob"));
  writeFileSync(join(directory, "records", "broken.json"), "{ not json");
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent", auth: { tokens: [ADMIN], supervisorTokens: [SUPERVISOR] } })
    .use(agentTokens)
    .use(postcall, { directory, webhookUrl: "http://127.0.0.1:9/hook", webhookSecret: "whsec_unit_0123456789" });
  try {
    const base = `http://127.0.0.1:${(await server.listen()).port}`;
    const get = (path: string, token?: string) => fetch(`${base}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const ids = async (path: string, token: string) => ((await (await get(path, token)).json()) as { records: { callId: string }[] }).records.map((r) => r.callId);

    assert.equal(await ids("/v1/postcall", SUPERVISOR), ["call-bot", "call-ann", "call-bob"], "oldest first; the unreadable file is skipped");
    assert.equal(await ids(`/v1/postcall?from=${now - 2.5 * 3600_000}&to=${new Date(now - 1.5 * 3600_000).toISOString()}`, ADMIN), ["call-ann"]);
    assert.is((await get("/v1/postcall?from=yesterday", ADMIN)).status, 400);
    const [summary] = ((await (await get("/v1/postcall", ANN)).json()) as { records: Record<string, unknown>[] }).records;
    assert.equal(summary, { callId: "call-ann", start: now - 2 * 3600_000, end: now - 2 * 3600_000 + 60000, durationMs: 60000, disposition: "handled_by_agent", queues: ["sales"], agents: ["ann"], queueMs: 5000, handleMs: 60000, score: summary!.score }, "an agent lists only the calls they answered");
    assert.type(summary!.score, "number");

    const full = await get("/v1/postcall/call-ann", ANN);
    assert.is(full.status, 200);
    const body = (await full.json()) as PostCallRecord;
    assert.equal(body.transcript.turns.map((t) => t.text), ["hello"]);
    assert.ok(body.scorecard.rules.length > 0);
    assert.is((await get("/v1/postcall/call-bob", ANN)).status, 404, "another agent's call");
    assert.is((await get("/v1/postcall/call-bot", ANN)).status, 404, "a call no agent answered");
    assert.is((await get("/v1/postcall/call-bob", SUPERVISOR)).status, 200);
    assert.is((await get("/v1/postcall/call-bot", ADMIN)).status, 200);
    assert.is((await get("/v1/postcall/nobody", ADMIN)).status, 404, "an unknown call");
    assert.is((await get("/v1/postcall/broken", ADMIN)).status, 404, "an unreadable record");
    assert.is((await get("/v1/postcall/..%2Foutbox", ADMIN)).status, 404, "a path, not an id");
    assert.is((await get("/v1/postcall/call-bot")).status, 401);
    assert.is((await get("/v1/postcall")).status, 401);
  } finally {
    await server.close();
  }
}));

test("the store keeps the newest records up to its bound, deleting the oldest files, and indexes them again on start", withDirectory(async (directory) => {
  const store = new RecordStore(directory, 2);
  await store.start();
  const t0 = Date.now();
  for (const [i, id] of ["a", "b", "c"].entries()) await store.add(record(id, t0 + i * 1000));
  assert.equal(store.list().map((s) => s.callId), ["b", "c"]);
  assert.not.ok(existsSync(join(directory, "records", "a.json")), "the oldest file is gone");
  assert.is(await store.get("a"), undefined);
  assert.is((await store.get("c"))?.callId, "c");

  const again = new RecordStore(directory, 1);
  assert.is(await again.start(), 1, "a smaller bound prunes at start");
  assert.equal(again.list().map((s) => s.callId), ["c"]);

  const none = new RecordStore(join(directory, "none"), 0);
  await none.start();
  await none.add(record("d", t0));
  assert.equal(none.list(), [], "keepRecords 0 keeps nothing");
}));

test("a call's record is kept when it is built and read back through the API, with no webhook configured", withDirectory(async (directory) => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "49140-49159" }, logLevel: "silent" })
    .use(postcall, { directory, settleMs: 0 });
  try {
    const base = `http://127.0.0.1:${(await server.listen()).port}`;
    const caller = (await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" })).session;
    await caller.hangup();
    await waitFor(async () => (await fetch(`${base}/v1/postcall/${caller.id}`)).status === 200, 5000, "the record, served by an open server to the local console");
    assert.ok(existsSync(join(directory, "records", `${caller.id}.json`)));
    assert.not.ok(existsSync(join(directory, "outbox")), "nothing waits for a delivery nobody asked for");
  } finally {
    await server.close();
  }
}));

test.run();
