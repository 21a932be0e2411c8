// A post-call record of a real call: an ffmpeg caller (PCMU RTP, a flite voice saying "billing"
// then asking for a person) calls the server as `npm start` runs it (the default plugins, with
// pocketsphinx) plus the postcall plugin; when the call is hung up, the record reaches a local
// webhook receiver, signed, and says what the session's own events said.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Ajv } from "ajv";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type SessionEvent } from "../core/mod.ts";
import { FfmpegPhone } from "../core/ffmpeg-phone.ts";
import { concatFrames, http, requireTool, waitFor } from "../core/testing.ts";
import { pocketsphinxInstalled } from "../plugins/asr/test-calls.ts";
import { postcall, type PostCallRecord, PostCallRecordSchema, verifySignature } from "../plugins/postcall/mod.ts";
import { WebhookReceiver } from "../plugins/postcall/testing.ts";
import { resample } from "../plugins/testing.ts";
import { createFliteEngine } from "../plugins/tts/mod.ts";
import { synthesizeAll } from "../plugins/tts/testing.ts";
import { useDefaultPlugins } from "./default-plugins.ts";

const SECRET = "whsec_postcall_e2e_0123456789";

test("a real RTP call through the default plugins ends in one signed post-call record whose transcript, facts and scorecard match the call's events", async () => {
  if (!requireTool("ffmpeg") || !requireTool("flite") || !pocketsphinxInstalled()) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-postcall-e2e-"));
  const receiver = await WebhookReceiver.start([200]);
  const flite = await createFliteEngine();
  const server = useDefaultPlugins(createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "49120-49139" }, logLevel: "silent" }), { voiceprints: join(dir, "voiceprints") })
    .use(postcall, { directory: join(dir, "postcall"), webhookUrl: receiver.url, webhookSecret: SECRET, settleMs: 1500 });
  const phone = new FfmpegPhone("pcmu", dir, "caller");
  try {
    const { port } = await server.listen();
    const baseUrl = `http://127.0.0.1:${port}`;
    const say = async (text: string) => resample(concatFrames((await synthesizeAll(flite, text)).frames), 16000, 8000);
    const silence = (seconds: number) => new Int16Array(seconds * 8000);
    // The greeting and menu play first; then "billing", then a request for a person.
    const script = concatFrames([silence(6), await say("billing"), silence(3), await say("I want to talk to a person"), silence(4)].map((samples) => ({ samples })));
    const events: SessionEvent[] = [];
    const callId = await phone.call(baseUrl, script);
    server.session(callId)!.events$.subscribe((event) => events.push(event));
    await waitFor(() => events.some((e) => e.type === "route.request") || events.filter((e) => e.type === "transcript").length >= 2, 40000, "the caller's requests recognised");
    await waitFor(() => events.some((e) => e.type === "queue.entered") || !events.some((e) => e.type === "route.request"), 5000, "the queue");
    const hungUp = Date.now();
    assert.is((await http(baseUrl, `/v1/sessions/${callId}`, { method: "DELETE" })).status, 204);
    await waitFor(() => receiver.accepted.length === 1, 20000, "the post-call record");
    console.log(`postcall: record received ${Date.now() - hungUp} ms after the hang-up (settleMs 1500)`);

    const delivery = receiver.accepted[0]!;
    assert.ok(verifySignature(SECRET, delivery.body, String(delivery.headers["parley-signature"]), Math.floor(Date.now() / 1000)), "valid signature");
    const record = JSON.parse(delivery.body) as PostCallRecord;
    const validate = new Ajv({ strict: false, allErrors: true }).compile(PostCallRecordSchema);
    assert.ok(validate(record), `the record fits its published schema: ${JSON.stringify(validate.errors)}`);
    assert.is(record.callId, callId);
    const of = <T extends SessionEvent["type"]>(type: T) => events.filter((e): e is Extract<SessionEvent, { type: T }> => e.type === type);
    const heard = of("transcript").filter((e) => e.text.trim()).map((e) => e.text.trim());
    assert.ok(heard.length >= 1, "the recogniser heard the caller");
    assert.equal(record.transcript.turns.filter((t) => t.speaker === "caller").map((t) => t.text), heard);
    const botSaid = record.transcript.turns.filter((t) => t.speaker === "bot");
    assert.is(botSaid[0]?.text, of("tts.started")[0]!.text, "the bot's greeting is the first bot turn");
    assert.ok(botSaid[0]!.startMs < 3000, `the greeting at ${botSaid[0]!.startMs} ms`);
    const intent = of("voicebot.intent").map((e) => e.intent).findLast((name) => name !== of("route.request")[0]?.intent);
    assert.is(record.summary.facts.intent, intent);
    // Hung up while waiting for an agent (none signed in): abandoned.
    assert.is(record.summary.facts.disposition, of("queue.abandoned").length > 0 ? "abandoned" : of("route.request").length > 0 ? "handover_unanswered" : "self_service");
    assert.ok(record.measures.talkMs.caller > 0 && record.measures.talkMs.bot > 0, JSON.stringify(record.measures.talkMs));
    assert.is(record.scorecard.rules.find((r) => r.id === "greeting")!.status, "pass");
    console.log(`postcall: ${record.transcript.turns.length} turns, score ${record.scorecard.score}; summary: ${record.summary.text}`);
    console.log(`postcall: ${record.scorecard.rules.map((r) => `${r.id} ${r.status}`).join(", ")}`);
  } finally {
    await phone.close();
    await server.close();
    await flite.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
