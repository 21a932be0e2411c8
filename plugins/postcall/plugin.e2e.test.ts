// The postcall plugin on a running server: calls made of real sessions (their events scripted),
// records delivered to a real local receiver, across a restart of the server.
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { bridge, createServer, type EventInput, ParleyError, type ParleyServer, type Session } from "../../core/mod.ts";
import { waitFor } from "../../core/testing.ts";
import { postcall, type PostcallOptions } from "./plugin.ts";
import type { PostCallRecord } from "./record.ts";
import { verifySignature } from "./signature.ts";
import { unusedPort, WebhookReceiver, withDirectory } from "./testing.ts";

const SECRET = "whsec_e2e_0123456789";

function server(directory: string, webhookUrl: string, options: Partial<PostcallOptions> = {}): ParleyServer {
  return createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "49100-49119" }, logLevel: "silent" })
    .use(postcall, { directory, settleMs: 200, webhookUrl, webhookSecret: SECRET, retryDelayMs: 20, maxRetryDelayMs: 200, ...options });
}

/** Media time on a session now, ms. */
const now = (session: Session) => Date.now() - session.info.startedAt;

function says(session: Session, text: string, durationMs: number): void {
  const endMs = now(session);
  session.emit({ type: "vad.speech_end", startMs: endMs - durationMs, endMs, durationMs, source: "vad" } as EventInput);
  session.emit({ type: "transcript", utteranceId: `u${endMs}`, text, confidence: 0.8, words: [], startMs: endMs - durationMs, endMs, latencyMs: 100, engine: "test", search: "dictation", endpoint: "turn_end", source: "asr" } as EventInput);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a call bridged to an agent's leg: one signed record accepted after two 500s, with the caller's and the agent's words; the agent's leg gets none", withDirectory(async (directory) => {
  const receiver = await WebhookReceiver.start([500, 500, 200]);
  const parley = server(directory, receiver.url);
  try {
    await parley.listen();
    const caller = (await parley.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata: { accountNumber: "1234" } })).session;
    const agent = (await parley.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", metadata: { agentLeg: "mark" } })).session;
    await sleep(300);
    says(caller, "I would like to change my address", 250);
    caller.emit({ type: "voicebot.intent", intent: "address_change", via: "speech", text: "change my address", source: "voicebot" } as EventInput);
    caller.emit({ type: "queue.answered", queueId: "support", agentId: "sam", waitMs: 10, source: "routing" } as EventInput);
    const joined = bridge(caller, agent);
    await sleep(300);
    says(agent, "Sure, what is the new address?", 250);
    await sleep(300);
    joined.unbridge();
    await caller.hangup();
    await agent.hangup();
    await waitFor(() => receiver.accepted.length === 1 && readdirSync(join(directory, "outbox")).length === 0, 10000, "the accepted delivery");
    // The agent's leg ended too: still nothing more than the caller's record is sent.
    await sleep(500);
    assert.equal(receiver.received.map((d) => d.status), [500, 500, 200]);
    const delivery = receiver.accepted[0]!;
    assert.ok(verifySignature(SECRET, delivery.body, String(delivery.headers["parley-signature"]), Math.floor(Date.now() / 1000)), "valid signature");
    const record = JSON.parse(delivery.body) as PostCallRecord;
    assert.is(record.callId, caller.id);
    assert.equal(record.transcript.turns.map((t) => [t.speaker, t.text]), [["caller", "I would like to change my address"], ["agent", "Sure, what is the new address?"]]);
    assert.is(record.transcript.turns[1]!.agentId, "sam");
    assert.is(record.summary.facts.intent, "address_change");
    assert.is(record.summary.facts.account, "1234");
    assert.is(record.summary.facts.disposition, "handled_by_agent");
    assert.is(record.scorecard.rules.length, 10);
    const metrics = await parley.metrics.registry.getMetricsAsJSON();
    const attempts = metrics.find((m) => m.name === "parley_postcall_webhook_attempts_total")!.values.map((v) => [v.labels.result, v.value]);
    assert.equal(attempts.sort(), [["delivered", 1], ["rejected", 2]]);
  } finally {
    await parley.close();
    await receiver.close();
  }
}));

test("two legs nobody marked, bridged: the first is the caller and gets the one record, with the other's words recognised after the hang-up", withDirectory(async (directory) => {
  const receiver = await WebhookReceiver.start([200]);
  const parley = server(directory, receiver.url, { settleMs: 400 });
  try {
    await parley.listen();
    const caller = (await parley.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" })).session;
    await sleep(20);
    const other = (await parley.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" })).session;
    bridge(caller, other);
    await sleep(300);
    says(caller, "hello there", 200);
    await sleep(300);
    const spokeAt = now(other);
    await caller.hangup();
    await sleep(100);
    // The recogniser's result for words said before the hang-up comes after it.
    other.emit({ type: "transcript", utteranceId: "late", text: "goodbye then", confidence: 0.7, words: [], startMs: spokeAt - 200, endMs: spokeAt, latencyMs: 400, engine: "test", search: "dictation", endpoint: "turn_end", source: "asr" } as EventInput);
    await other.hangup();
    await waitFor(() => receiver.accepted.length === 1, 10000, "the record");
    await sleep(1500);
    assert.is(receiver.received.length, 1, "one record: the other leg is the caller's peer, not a call");
    const record = JSON.parse(receiver.accepted[0]!.body) as PostCallRecord;
    assert.is(record.callId, caller.id);
    assert.equal(record.transcript.turns.map((t) => [t.speaker, t.legId, t.text]), [["caller", caller.id, "hello there"], ["agent", other.id, "goodbye then"]]);
    assert.equal(record.legs.map((l) => [l.legId, l.role]), [[caller.id, "caller"], [other.id, "agent"]]);
  } finally {
    await parley.close();
    await receiver.close();
  }
}));

test("with the receiver down the record stays in the outbox; the restarted server delivers it once the receiver is up", withDirectory(async (directory) => {
  const port = await unusedPort();
  const url = `http://127.0.0.1:${port}/hooks/postcall`;
  const first = server(directory, url, { retryDelayMs: 60000, maxRetryDelayMs: 60000 });
  let callId: string;
  try {
    await first.listen();
    const caller = (await first.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9" })).session;
    callId = caller.id;
    says(caller, "hello", 100);
    await caller.hangup();
    await waitFor(async () => (await first.metrics.registry.getSingleMetricAsString("parley_postcall_webhook_attempts_total")).includes('result="unreachable"} 1'), 10000, "the failed attempt");
  } finally {
    await first.close();
  }
  assert.ok(existsSync(join(directory, "outbox", `${callId}.json`)), "the record is on disk");

  const receiver = await WebhookReceiver.start([200], port);
  // Its retry was due in a minute; a restart tries again after the (new) first delay.
  const second = server(directory, url);
  try {
    await second.ready();
    await waitFor(() => receiver.accepted.length === 1, 10000, "the delivery after the restart");
    const record = JSON.parse(receiver.accepted[0]!.body) as PostCallRecord;
    assert.is(record.callId, callId!);
    assert.equal(record.transcript.turns.map((t) => t.text), ["hello"]);
    assert.is(receiver.accepted[0]!.headers["parley-attempt"], "2");
    await waitFor(() => readdirSync(join(directory, "outbox")).length === 0, 5000, "the outbox to empty");
  } finally {
    await second.close();
    await receiver.close();
  }
}));

test("a folder that cannot be used is a coded error at start", withDirectory(async (directory) => {
  writeFileSync(join(directory, "file"), "");
  const parley = server(join(directory, "file", "postcall"), "http://127.0.0.1:9/");
  try {
    const error = await parley.ready().then(() => undefined, (e: unknown) => e);
    assert.instance(error, ParleyError);
    assert.is((error as ParleyError).code, "PARLEY_ERR_POSTCALL_DIRECTORY");
  } finally {
    await parley.close().catch(() => {});
  }
}));

test("the options are checked: a webhook with an http(s) url and a secret of 16 characters or more, both or neither, known scorecard rules", async () => {
  for (const half of [{ webhookUrl: "http://127.0.0.1:9/hook" }, { webhookSecret: SECRET }]) {
    const halfServer = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent" }).use(postcall, { directory: "/tmp/parley-postcall-half", ...half });
    try {
      await halfServer.listen();
      assert.unreachable("a webhook without its url or secret starts");
    } catch (error) {
      assert.is((error as ParleyError).code, "PARLEY_ERR_POSTCALL_WEBHOOK");
    } finally {
      await halfServer.close().catch(() => {});
    }
  }
  const parley = createServer({ http: { port: 0, host: "127.0.0.1" }, logLevel: "silent" });
  try {
    assert.throws(() => parley.use(postcall, { directory: "/tmp/x", webhookUrl: "ftp://x", webhookSecret: SECRET }), /webhookUrl/);
    assert.throws(() => parley.use(postcall, { directory: "/tmp/x", webhookUrl: "http://x", webhookSecret: "short" }), /webhookSecret/);
    assert.throws(() => parley.use(postcall, { directory: "/tmp/x", webhookUrl: "http://x", webhookSecret: SECRET, scorecard: { greting: {} } as never }), /additional/);
  } finally {
    await parley.close();
  }
});

test.run();
