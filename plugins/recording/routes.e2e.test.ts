// Pause and resume by the API over real HTTP and RTP: who may ask, the coded answers to requests out
// of order, the events, and the pause as an "api" interval of silence in the finished recording.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, definePlugin, type SessionEvent } from "../../core/mod.ts";
import { http, waitFor } from "../../core/testing.ts";
import { readWav } from "../../media/wav.ts";
import { sine } from "../../media/signal-test-utils.ts";
import { RtpTestPeer } from "../testing.ts";
import type { RecordingDocument } from "./document.ts";
import { recording } from "./plugin.ts";

const PORTS = "46740-46749";
const ADMIN = "admin-token-0123456789";
const SUPERVISOR = "supervisor-token-0123456789";
const METRICS = "metrics-token-0123456789";

test("pause and resume: admins and supervisors, not metrics tokens, 409 out of order, 404 for a session not recorded; the pause is silence listed as an api interval", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recording-routes-"));
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, auth: { tokens: [ADMIN], supervisorTokens: [SUPERVISOR], metricsTokens: [METRICS] }, logLevel: "silent" })
    .use(recording, { directory, sampleRate: 8000 });
  try {
    const { port } = await server.listen();
    const base = `http://127.0.0.1:${port}`;
    const { session, port: rtpPort } = await server.rtp.open({ codec: "pcmu" });
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    const peer = new RtpTestPeer(rtpPort);
    const post = (path: string, token?: string) => http(base, path, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {} });
    const code = (answer: { status: number; json<T>(): T }) => [answer.status, answer.json<{ error: { code: string } }>().error.code];
    const pause = `/v1/sessions/${session.id}/recording/pause`;
    const resume = `/v1/sessions/${session.id}/recording/resume`;
    try {
      await peer.sendRealTime(sine(440, 8000, 8000, 4000), 8000);
      assert.equal(code(await post(pause)), [401, "PARLEY_ERR_UNAUTHORIZED"]);
      assert.equal(code(await post(pause, METRICS)), [403, "PARLEY_ERR_FORBIDDEN"]);
      assert.equal(code(await post("/v1/sessions/nobody/recording/pause", ADMIN)), [404, "PARLEY_ERR_RECORDING_NOT_FOUND"]);
      assert.equal(code(await post(resume, ADMIN)), [409, "PARLEY_ERR_RECORDING_NOT_PAUSED"]);
      const paused = await post(pause, SUPERVISOR);
      assert.is(paused.status, 200);
      assert.equal(paused.json(), { sessionId: session.id, recordingId: session.id, paused: true });
      assert.equal(code(await post(pause, ADMIN)), [409, "PARLEY_ERR_RECORDING_ALREADY_PAUSED"]);
      await peer.sendRealTime(sine(440, 8000, 8000, 4000), 8000);
      assert.is((await post(resume, ADMIN)).status, 200);
      await peer.sendRealTime(sine(440, 8000, 8000, 4000), 8000);
      await session.hangup();
    } finally {
      await peer.close();
    }
    assert.equal(events.filter((event) => event.type.startsWith("recording.")).map((event) => [event.type, event.source]), [["recording.paused", "recording"], ["recording.resumed", "recording"]]);
    const path = join(directory, `${session.id}.json`);
    await waitFor(() => existsSync(path), 5000, "the recording's document");
    const document = JSON.parse(readFileSync(path, "utf8")) as RecordingDocument;
    assert.equal(document.masked.map((interval) => interval.reason), ["api"]);
    const { startMs, endMs } = document.masked[0]!;
    console.log(`recording routes: paused ${startMs}-${endMs} ms of ${document.audio.durationMs} ms`);
    assert.ok(endMs - startMs >= 900, "the second of tone sent while paused is inside the interval");
    const samples = readWav(new Uint8Array(readFileSync(join(directory, document.audio.file)))).samples;
    const inside = samples.subarray(Math.ceil(startMs * 8) * 2, Math.floor(endMs * 8) * 2);
    assert.ok(inside.every((sample) => sample === 0), "silence while paused");
    assert.ok(samples.subarray(0, Math.floor(startMs * 8) * 2).some((sample) => Math.abs(sample) > 1000), "the tone before the pause is kept");
    assert.equal(code(await post(resume, ADMIN)), [404, "PARLEY_ERR_RECORDING_NOT_FOUND"]);
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test("an agent pauses and resumes only the recording of the call it is on (the routing plugin's queue.answered says which)", async () => {
  const directory = mkdtempSync(join(tmpdir(), "parley-recording-routes-"));
  // Agents' tokens, as the routing plugin issues them.
  const agents = definePlugin({
    name: "agents",
    version: "1.0.0",
    setup(context) {
      context.addTokenResolver((token) => (token.startsWith("agent-") ? { role: "agent", agentId: token.slice("agent-".length) } : undefined));
    },
  });
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS }, auth: { tokens: [ADMIN] }, logLevel: "silent" })
    .use(agents).use(recording, { directory, sampleRate: 8000 });
  try {
    const { port } = await server.listen();
    const base = `http://127.0.0.1:${port}`;
    const { session } = await server.rtp.open({ codec: "pcmu" });
    const post = (action: string, token: string) => http(base, `/v1/sessions/${session.id}/recording/${action}`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
    const code = (answer: { status: number; json<T>(): T }) => [answer.status, answer.json<{ error: { code: string } }>().error.code];
    assert.equal(code(await post("pause", "agent-ann")), [403, "PARLEY_ERR_FORBIDDEN"], "no agent is on the call yet");
    session.emit({ type: "queue.answered", queueId: "support", agentId: "ann", waitMs: 1200, source: "routing" });
    assert.equal(code(await post("pause", "agent-bob")), [403, "PARLEY_ERR_FORBIDDEN"], "another agent's call");
    assert.is((await post("pause", "agent-ann")).status, 200);
    assert.is((await post("resume", "agent-ann")).status, 200);
    session.emit({ type: "call.completed", queueId: "support", agentId: "ann", talkMs: 5000, holdMs: 0, source: "routing" });
    assert.equal(code(await post("pause", "agent-ann")), [403, "PARLEY_ERR_FORBIDDEN"], "the call is over for the agent");
    assert.is((await post("pause", ADMIN)).status, 200, "an admin still may");
    await session.hangup();
  } finally {
    await server.close();
    rmSync(directory, { recursive: true, force: true });
  }
});

test.run();
