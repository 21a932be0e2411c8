// Two shards behind one primary, with real processes and real RTP from ffmpeg: new calls spread
// over the shards, each on its own slice of the port range; a request naming a session reaches
// the shard that holds it; the session list, the event stream and the metrics are every shard's;
// every merged endpoint checks who is asking; a shard killed with SIGKILL loses only its own calls
// and is started again.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { ParleyError } from "../errors.ts";
import type { Logger } from "../log.ts";
import { requireTool, runFfmpeg, waitFor } from "../testing.ts";
import { Primary } from "./Primary.ts";

const ENTRY = fileURLToPath(new URL("./bare-shard.ts", import.meta.url));
const TOKEN = "cluster-test-token";
const auth = { authorization: `Bearer ${TOKEN}` };

/** Opens a PCMU session through the primary; answers its id and the port the shard bound. */
async function openCall(base: string): Promise<{ id: string; port: number }> {
  const answer = await fetch(`${base}/v1/rtp`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ codec: "pcmu" }) });
  assert.is(answer.status, 201, await answer.clone().text());
  const { id, port } = (await answer.json()) as { id: string; port: number };
  return { id, port };
}

/** The value of a sample of the Prometheus text, or 0 when absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name}{`) && labels.split(",").every((label) => l.includes(label)));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

test("two shards behind one port: calls spread, requests follow their session, lists, events and metrics are merged, a killed shard comes back", async () => {
  if (!requireTool("ffmpeg")) return;
  const primary = new Primary({ entry: ENTRY, shards: 2, config: { logLevel: "warn", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "41000-41099" }, auth: { tokens: [TOKEN] } } });
  const address = await primary.listen();
  const base = `http://127.0.0.1:${address.port}`;
  const events = new AbortController();
  try {
    // Every merged endpoint checks the token (the shards do, for what is forwarded).
    assert.is((await fetch(`${base}/metrics`)).status, 401);
    assert.is((await fetch(`${base}/v1/sessions`)).status, 401);
    assert.is((await fetch(`${base}/v1/events`)).status, 401);
    assert.is((await fetch(`${base}/v1/rtp`, { method: "POST", body: "{}" })).status, 401);

    const stream = await fetch(`${base}/v1/events`, { headers: auth, signal: events.signal });
    assert.is(stream.status, 200);
    let eventText = "";
    void (async () => {
      const reader = stream.body!.getReader();
      const decoder = new TextDecoder();
      for (let read = await reader.read(); !read.done; read = await reader.read()) eventText += decoder.decode(read.value);
    })().catch(() => {});

    const calls: { id: string; port: number }[] = [];
    for (let i = 0; i < 4; i++) calls.push(await openCall(base));
    assert.equal(primary.sessionCounts(), [2, 2], "four calls, two on each shard");
    const slices = calls.map(({ port }) => (port < 41050 ? 0 : 1)).sort();
    assert.equal(slices, [0, 0, 1, 1], `each shard binds only its half of the range: ${calls.map((c) => c.port)}`);

    const listed = (await (await fetch(`${base}/v1/sessions`, { headers: auth })).json()) as { sessions: { id: string }[] };
    assert.equal(listed.sessions.map((s) => s.id).sort(), calls.map((c) => c.id).sort());
    for (const call of calls) assert.is((await fetch(`${base}/v1/sessions/${call.id}`, { headers: auth })).status, 200, "a session is found through the primary");
    await waitFor(() => calls.every((call) => eventText.includes(call.id)), 5000, "every call's session.started on the merged event stream");

    // Real RTP from ffmpeg to a call on the second shard, straight to the port it answered.
    const onSecond = calls.find((call) => call.port >= 41050)!;
    await runFfmpeg(["-re", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-ar", "8000", "-ac", "1", "-c:a", "pcm_mulaw", "-f", "rtp", `rtp://127.0.0.1:${onSecond.port}`], 10000);
    const metrics = await (await fetch(`${base}/metrics`, { headers: auth })).text();
    assert.ok(sample(metrics, "parley_rtp_packets_received_total", 'shard="1"') >= 40, "the second shard counted the caller's packets");
    assert.is(sample(metrics, "parley_rtp_packets_received_total", 'shard="0"'), 0);
    assert.ok(sample(metrics, "parley_sessions_active", 'shard="0"') === 2 && sample(metrics, "parley_sessions_active", 'shard="1"') === 2, "each shard's sessions, labelled");

    // Hanging up through the primary reaches the shard holding the call.
    assert.is((await fetch(`${base}/v1/sessions/${calls[0]!.id}`, { method: "DELETE", headers: auth })).status, 204);
    await waitFor(() => primary.sessionCounts().reduce((a, b) => a + b) === 3, 5000, "three calls left");
    assert.is((await fetch(`${base}/v1/sessions/does-not-exist`, { headers: auth })).status, 404);

    // A shard killed outright loses its own calls only, and comes back on the same ports.
    const [, second] = primary.shardProcessIds();
    process.kill(second!, "SIGKILL");
    await waitFor(() => primary.sessionCounts()[1] === 0, 5000, "the killed shard's calls forgotten");
    assert.is(primary.sessionCounts()[0], 2 - (calls[0]!.port < 41050 ? 1 : 0), "the other shard's calls go on");
    await waitFor(() => primary.shardProcessIds()[1] !== undefined, 15000, "the shard started again");
    assert.is.not(primary.shardProcessIds()[1], second);
    const again = await openCall(base);
    assert.ok(again.port >= 41050, "the new call lands on the emptier, restarted shard");
  } finally {
    events.abort();
    await primary.close();
  }
});

test("a shard that cannot start fails listen() with a configuration error that names it", async () => {
  const primary = new Primary({ entry: fileURLToPath(new URL("./no-such-shard.ts", import.meta.url)), shards: 2, config: { logLevel: "warn", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "41100-41199" } } });
  try {
    await primary.listen();
    assert.unreachable("listen() succeeded");
  } catch (error) {
    assert.instance(error, ParleyError);
    assert.match((error as Error).message, /shard \d exited \(code \d+\) before it was ready/);
  }
});

test("a shard that hangs at start fails listen() once its ready time is up, naming it", async () => {
  const primary = new Primary({ entry: fileURLToPath(new URL("./hanging-shard.ts", import.meta.url)), shards: 1, readyTimeoutMs: 1500, config: { logLevel: "warn", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "41200-41299" } } });
  try {
    await primary.listen();
    assert.unreachable("listen() succeeded");
  } catch (error) {
    assert.instance(error, ParleyError);
    assert.match((error as Error).message, /shard 0 did not get ready within 1500 ms/);
  }
});

test("a killed shard that fails to start again is tried again, later each time, until it starts; each failure is logged", async () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-primary-"));
  const marker = join(dir, "refuse");
  process.env.PARLEY_TEST_REFUSE = marker;
  const failures: unknown[] = [];
  const log = { error: (fields: unknown) => void failures.push(fields) } as unknown as Logger;
  const primary = new Primary({ entry: fileURLToPath(new URL("./refusing-shard.ts", import.meta.url)), shards: 1, log, config: { logLevel: "warn", http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "41300-41399" } } });
  try {
    await primary.listen();
    const [pid] = primary.shardProcessIds();
    writeFileSync(marker, "");
    process.kill(pid!, "SIGKILL");
    await waitFor(() => failures.filter((f) => (f as { attempt?: number }).attempt !== undefined).length >= 2, 10_000, "two failed starts");
    rmSync(marker);
    await waitFor(() => primary.shardProcessIds()[0] !== undefined, 15_000, "the shard started again");
    assert.is.not(primary.shardProcessIds()[0], pid);
    assert.equal(failures.map((f) => (f as { attempt?: number }).attempt).filter((a) => a !== undefined).slice(0, 2), [1, 2]);
  } finally {
    delete process.env.PARLEY_TEST_REFUSE;
    await primary.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
