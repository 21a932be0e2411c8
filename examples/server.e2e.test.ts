// What `npm start` runs, as it runs: the server script in its own process (tsx under Node,
// `deno run` under Deno), one RTP call asking for a person, and its events read by the API's
// server-sent events, as an ops team or a platform engineer would see them.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { scriptCommand } from "../bench/child-script.ts";
import { concatFrames, http, requireTool, waitFor } from "../core/testing.ts";
import { pocketsphinxInstalled } from "../plugins/asr/test-calls.ts";
import { RtpTestPeer, speechClip } from "../plugins/testing.ts";
import { createFliteEngine } from "../plugins/tts/mod.ts";
import { synthesizeAll } from "../plugins/tts/testing.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const isDeno = "Deno" in globalThis;

/** Starts cli/parley.ts on a free HTTP port; resolves with its base URL once it listens and has named its plugins. */
function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, scriptCommand("cli/parley.ts", []), { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start in 30 s:\n${output}`)), 30000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /listening on http:\/\/[^:]+:(\d+)/.exec(output);
      if (listening && /parley: plugins .*\n/.test(output)) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${listening[1]}`, output: () => output });
      }
    };
    child.stdout!.on("data", read);
    child.stderr!.on("data", read);
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before listening:\n${output}`)));
  });
}

/** Collects the server-sent events of `url`'s /v1/events until `signal` aborts. */
async function collectEvents(url: string, events: { type: string; sessionId: string }[], signal: AbortSignal): Promise<void> {
  const decoder = new TextDecoder();
  let pending = "";
  try {
    const response = await fetch(`${url}/v1/events`, { signal });
    const reader = response.body!.getReader();
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      pending += decoder.decode(chunk.value, { stream: true });
      for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        const data = pending.slice(0, end).split("\n").find((line) => line.startsWith("data: "));
        pending = pending.slice(end + 2);
        if (data) events.push(JSON.parse(data.slice(6)));
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error;
  }
}

test("npm start: a caller who asks for a person is greeted, routed, analysed (emotion, synthetic voice), recorded, and counted in the KPIs", async () => {
  if (!requireTool("flite") || !pocketsphinxInstalled()) return;
  const clip = speechClip("cards-001.wav");
  if (!clip) return;
  const voiceprints = mkdtempSync(join(tmpdir(), "parley-voiceprints-"));
  const recordings = mkdtempSync(join(tmpdir(), "parley-recordings-"));
  const records = mkdtempSync(join(tmpdir(), "parley-postcall-"));
  const { child, url, output } = await startServer({ PARLEY_PORT: "0", PARLEY_RTP_PORTS: "46950-46969", PARLEY_VOICEPRINTS: voiceprints, PARLEY_RECORDINGS: recordings, PARLEY_POSTCALL: records });
  const stopEvents = new AbortController();
  const events: { type: string; sessionId: string }[] = [];
  const reading = collectEvents(url, events, stopEvents.signal);
  const flite = await createFliteEngine();
  try {
    assert.match(output(), "voicebot@", "the voice bot is among the plugins");
    const call = await http(url, "/v1/rtp", { method: "POST", body: JSON.stringify({ codec: "pcmu" }), contentType: "application/json" });
    assert.is(call.status, 201, call.text);
    const { id, port } = call.json<{ id: string; port: number }>();
    const peer = new RtpTestPeer(port);
    try {
      // The caller listens to the greeting first, as callers do (it talks at once, its barge-in cut
      // the greeting short, so how much it heard hung on how fast a busy machine synthesised it):
      // a first packet, since Parley sends nothing to a caller it has not heard, then a second of the bot.
      await peer.sendSilence(200, 20);
      await waitFor(() => peer.received.length * 20 >= 1000, 15000, "a second of the greeting");
      // A person's voice (the analytics need a few seconds of it), then the request.
      await peer.send(clip.samples, clip.sampleRate, 20);
      await peer.sendSilence(600, 20);
      const { frames } = await synthesizeAll(flite, "I want to talk to a person");
      await peer.send(concatFrames(frames), frames[0]!.sampleRate, 20);
      await peer.sendSilence(800, 20);
      const of = (type: string) => events.some((event) => event.type === type && event.sessionId === id);
      await waitFor(() => of("route.request"), 30000, "route.request");
      await waitFor(() => of("emotion") && of("deepfake"), 10000, "emotion and deepfake events");
      assert.ok(of("transcript"), "the caller was transcribed");
      assert.is((await http(url, `/v1/sessions/${id}`, { method: "DELETE" })).status, 204);
    } finally {
      await peer.close();
    }
    // The call, hung up while it waited for a person, is recorded and counted.
    await waitFor(async () => (await http(url, "/v1/recordings")).json<{ recordings: { id: string }[] }>().recordings.some((recording) => recording.id === id), 10000, "the recording in /v1/recordings");
    const recorded = (await http(url, `/v1/recordings/${id}`)).json<{ complete: boolean; events: { type: string }[] }>();
    assert.is(recorded.complete, true);
    assert.ok(recorded.events.some((event) => event.type === "route.request"), "the request for a person is in the recording's metadata");
    const audio = await fetch(`${url}/v1/recordings/${id}/audio`, { headers: { range: "bytes=8-11" } });
    assert.equal([audio.status, await audio.text()], [206, "WAVE"], "the audio is a WAV, served by range");
    const kpis = (await http(url, "/v1/kpis")).json<{ calls: number; outcomes: Record<string, number> }>();
    assert.is(kpis.calls, 1, "the call is counted once it ended");
    assert.is(kpis.outcomes.abandoned, 1, "as abandoned: it hung up waiting for a person");
    await waitFor(async () => (await http(url, `/v1/postcall/${id}`)).status === 200, 10000, "the post-call record");
    const record = (await http(url, `/v1/postcall/${id}`)).json<{ summary: { facts: { disposition: string } }; transcript: { turns: { speaker: string; text: string }[] } }>();
    assert.is(record.summary.facts.disposition, "abandoned");
    assert.ok(record.transcript.turns.length > 0, "the record holds the call's transcript");
  } finally {
    await flite.close();
    stopEvents.abort();
    await reading;
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.exitCode !== null ? resolve(child.exitCode) : child.on("exit", resolve));
    for (const folder of [voiceprints, recordings, records]) rmSync(folder, { recursive: true, force: true });
    assert.match(output(), "parley: closed", `the server closes its calls and plugins on SIGTERM:\n${output()}`);
    // Deno's child_process reports a child it sent a signal to as ended by that signal, whatever
    // the child's exit status (the same server, Deno or Node, exits 0 under a Node parent).
    if (!isDeno) assert.is(code, 0, `the server ends cleanly on SIGTERM:\n${output()}`);
  }
});

test.run();
