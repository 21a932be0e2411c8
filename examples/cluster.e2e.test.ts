// test: alone (two server processes, chromium on a live call between them, audio judged by correlation)
// Two nodes of one call center as shipped: two `parley` processes (every default plugin) sharing a
// real redis-server (--redis). A caller (ffmpeg, Opus RTP) on node 1 asks the bot for a person and
// reaches Ann, whose desktop and WebRTC leg are on node 2 (chromium): audio crosses both ways
// between the nodes. Node 2 is killed (SIGKILL): the caller is back at the head of the queue with
// the message, and goes to Bob on node 1 with its context. Redis is killed and started again
// empty: the nodes put their state back, and a new caller is still routed. A screenshot of Ann's
// desktop during the call is saved to test-output/.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Browser } from "playwright-core";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { requireChromium, pageHeard } from "../core/chromium-testing.ts";
import { FfmpegPhone } from "../core/ffmpeg-phone.ts";
import type { SessionEvent } from "../core/mod.ts";
import { requireRedis, startRedis, type TestRedis } from "../core/redis-testing.ts";
import { http, readEventStream, readPcm, requireData, requireTool, runFfmpeg, waitFor, windowCorrelation } from "../core/testing.ts";
import { pocketsphinxInstalled } from "../plugins/asr/test-calls.ts";
import { script } from "../plugins/testing.ts";
import { createFliteEngine } from "../plugins/tts/mod.ts";
import { launchBrowser, openDesktop, spoken, wavAt } from "./testing.ts";

const ROOT = resolve(import.meta.dirname ?? ".", "..");
const OUTPUT = join(ROOT, "test-output");
const ADMIN = "cluster-admin-token-0123456789";
const AUTH = { authorization: `Bearer ${ADMIN}` };
const ANN = { id: "ann", name: "Ann Lee", token: "agent-ann-cluster-0123456789" };
const BOB = { id: "bob", name: "Bob Ortiz", token: "agent-bob-cluster-0123456789" };
/** The agents' microphone, and what the callers say after asking for a person. */
const MICROPHONE = "speech/librivox-0870.wav";
const TALK = "speech/librivox-0880.wav";

/** A free TCP port on loopback. */
function freeTcpPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A `parley` process with the default plugins, routing in `redis`; resolves once it answers. */
async function startNode(name: string, redis: TestRedis, rtpPorts: string, dir: string): Promise<{ process: ChildProcess; base: string; events: SessionEvent[]; stopEvents(): void }> {
  const port = await freeTcpPort();
  const configFile = join(dir, `${name}.json`);
  writeFileSync(configFile, JSON.stringify({ webrtc: { interfaces: ["127.0.0.1"] } }));
  const runtime = "Deno" in globalThis ? ["run", "-A"] : process.execArgv;
  const child = spawn(process.execPath, [...runtime, join(ROOT, "cli/parley.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
    env: {
      ...process.env, PARLEY_CONFIG: configFile, PARLEY_PORT: String(port), PARLEY_HOST: "127.0.0.1", PARLEY_RTP_PORTS: rtpPorts, PARLEY_TOKEN: ADMIN,
      PARLEY_REDIS_URL: redis.url, PARLEY_LOG_LEVEL: "warn", PARLEY_VOICEPRINTS: join(dir, `${name}-voiceprints`),
    },
  });
  const base = `http://127.0.0.1:${port}`;
  await waitFor(async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it answered`);
    return await fetch(`${base}/healthz`).then((r) => r.ok, () => false);
  }, 60_000, `${name} to answer`, 200);
  // Every event of the node's sessions, as a client of its API reads them.
  const events: SessionEvent[] = [];
  const controller = new AbortController();
  const stream = await fetch(`${base}/v1/events`, { headers: AUTH, signal: controller.signal });
  void readEventStream(stream, (data) => events.push(data as SessionEvent)).catch(() => {});
  return { process: child, base, events, stopEvents: () => controller.abort() };
}

/** `samples` (16 kHz) through the caller's Opus encoder and back: what the caller's node decodes, the reference of what the agent should hear. */
async function throughCallerOpus(samples: Int16Array, dir: string): Promise<Int16Array> {
  const raw = join(dir, "said.raw");
  writeFileSync(raw, new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  await runFfmpeg(["-f", "s16le", "-ar", "16000", "-ac", "1", "-i", raw, "-c:a", "libopus", "-b:a", "32k", "-application", "voip", join(dir, "said.ogg")], 30_000);
  await runFfmpeg(["-i", join(dir, "said.ogg"), "-ac", "1", "-ar", "16000", "-f", "s16le", join(dir, "said-decoded.raw")], 30_000);
  return readPcm(join(dir, "said-decoded.raw"));
}

/** The first event of `type` on `sessionId` after index `from`, waited for. */
async function eventOf<T extends SessionEvent["type"]>(events: SessionEvent[], type: T, sessionId: string, from = 0, timeoutMs = 60_000): Promise<Extract<SessionEvent, { type: T }>> {
  const find = () => events.slice(from).find((e): e is Extract<SessionEvent, { type: T }> => e.type === type && e.sessionId === sessionId);
  await waitFor(() => find() !== undefined, timeoutMs, `${type} on ${sessionId}`, 20);
  return find()!;
}

test("two nodes, one Redis: a caller on node 1 talks with an agent on node 2; node 2 killed, the caller is first in line again; Redis restarted, a new caller is routed", async () => {
  if (!requireRedis() || !requireChromium() || !requireTool("ffmpeg") || !requireTool("flite") || !pocketsphinxInstalled()) return;
  if (!requireData(MICROPHONE) || !requireData(TALK)) return;
  const dir = mkdtempSync(join(tmpdir(), "parley-cluster-"));
  const redis = await startRedis();
  const nodes = [await startNode("node1", redis, "47300-47349", dir), await startNode("node2", redis, "47350-47399", dir)];
  const [one, two] = nodes as [typeof nodes[0], typeof nodes[0]];
  const phones: FfmpegPhone[] = [];
  let browser: Browser | undefined;
  const flite = await createFliteEngine();
  try {
    for (const agent of [ANN, BOB]) assert.is((await http(one.base, "/v1/agents", { method: "POST", contentType: "application/json", body: JSON.stringify(agent), headers: AUTH })).status, 201);
    const person = await spoken(flite, "I want to talk to a person", 16000);
    const talk = script(16000, ...Array.from({ length: 8 }, () => [wavAt(TALK, 16000), 0.3] as const).flat());
    const caller = async (name: string) => {
      const phone = new FfmpegPhone("opus", dir, name);
      phones.push(phone);
      const said = script(16000, 1.5, person, 1.5, talk);
      return { phone, id: await phone.call(one.base, said, AUTH), said };
    };

    // Ann signs in on node 2 (her token was issued by node 1), with the raw file as her microphone.
    browser = await launchBrowser(MICROPHONE);
    const annDesk = await openDesktop(browser, two.base, ANN, { rawMicrophone: true });
    await annDesk.page.getByRole("button", { name: "Available" }).click();
    await annDesk.page.locator("#state", { hasText: "idle" }).waitFor();

    // The caller on node 1 is offered to Ann on node 2, with its words on her desk, and she accepts.
    const first = await caller("c1");
    assert.equal((await eventOf(one.events, "queue.offered", first.id)).agentIds, ["ann"]);
    await annDesk.page.locator("#offer").waitFor({ timeout: 15_000 });
    console.log(`cluster: Ann's desk on node 2 shows "${await annDesk.page.locator("#offer-summary").innerText()}"`);
    await annDesk.page.getByRole("button", { name: /Accept/ }).click();
    await eventOf(one.events, "queue.answered", first.id);
    const heardFrom = first.phone.recorded().length;
    await new Promise((done) => setTimeout(done, 8000));
    mkdirSync(OUTPUT, { recursive: true });
    await annDesk.page.screenshot({ path: join(OUTPUT, "cluster-agent-on-node-2.png") });
    const toAgent = windowCorrelation(await throughCallerOpus(first.said, dir), (await pageHeard(annDesk.page, dir, "ann")).slice(-6 * 16000), 16000);
    const fromAgent = windowCorrelation(wavAt(MICROPHONE, 16000), first.phone.recorded().subarray(heardFrom), 16000);
    console.log(`cluster: caller on node 1 -> Ann on node 2: correlation best ${toAgent.best.toFixed(3)}, median ${toAgent.median.toFixed(3)}`);
    console.log(`cluster: Ann on node 2 -> caller on node 1: correlation best ${fromAgent.best.toFixed(3)}, median ${fromAgent.median.toFixed(3)}`);
    assert.ok(toAgent.best >= 0.8, `Ann hears the caller across the nodes: correlation ${toAgent.best.toFixed(3)}`);
    assert.ok(fromAgent.best >= 0.8, `the caller hears Ann across the nodes: correlation ${fromAgent.best.toFixed(3)}`);

    // Node 2 dies: the caller hears why and is back at the head of the queue.
    const before = one.events.length;
    const killedAt = performance.now();
    two.process.kill("SIGKILL");
    const requeued = await eventOf(one.events, "queue.entered", first.id, before, 10_000);
    const backMs = performance.now() - killedAt;
    console.log(`cluster: node 2 killed; the caller was back in the queue (position ${requeued.position}) ${backMs.toFixed(0)} ms later`);
    assert.is(requeued.position, 1);
    const told = await eventOf(one.events, "tts.started", first.id, before, 10_000);
    assert.match(told.text, /lost the connection to your agent/);
    const metrics = (await http(one.base, "/metrics", { headers: AUTH })).text;
    assert.match(metrics, /parley_cluster_nodes_lost_total 1\b/, "node 1 counted node 2 lost");
    assert.match(metrics, /parley_cluster_nodes 1\b/, "node 1 hears only itself");

    // Bob, on node 1, gets the caller with its context.
    const bobDesk = await openDesktop(browser, one.base, BOB);
    await bobDesk.page.getByRole("button", { name: "Available" }).click();
    await bobDesk.page.locator("#offer").waitFor({ timeout: 15_000 });
    assert.match(await bobDesk.page.locator("#offer-summary").innerText(), /asked for a person/);
    await bobDesk.page.getByRole("button", { name: /Accept/ }).click();
    await eventOf(one.events, "queue.answered", first.id, before);

    // Redis restarts empty: node 1 puts back Bob on his call; a new caller is queued and offered to Bob once he is free.
    await redis.kill();
    await redis.restart();
    await waitFor(async () => {
      const agents = await http(one.base, "/v1/agents", { headers: AUTH });
      return agents.status === 200 && (JSON.parse(agents.text) as { id: string; state: string }[]).some((agent) => agent.id === "bob" && agent.state === "on_call");
    }, 15_000, "Bob back on his call in the new Redis", 200);
    const second = await caller("c2");
    const entered = await eventOf(one.events, "queue.entered", second.id);
    assert.is(entered.position, 1);
    await bobDesk.page.getByRole("button", { name: "Hang up" }).click();
    await bobDesk.page.getByRole("button", { name: "Done" }).click();
    assert.equal((await eventOf(one.events, "queue.offered", second.id)).agentIds, ["bob"]);
  } finally {
    await browser?.close();
    await Promise.all(phones.map((phone) => phone.close()));
    for (const node of nodes) {
      node.stopEvents();
      if (node.process.exitCode === null && node.process.signalCode === null) {
        const exited = new Promise((done) => node.process.once("exit", done));
        node.process.kill("SIGTERM");
        await exited;
      }
    }
    await redis.stop();
    await flite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
