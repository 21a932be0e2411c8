// WebSocket media against hostile peers, with the real ws client against a real server: audio
// pushed faster than real time is not delivered (so it cannot flood the plugins or lag the event
// loop), a peer that stops reading is dropped instead of growing the server's memory, and peers
// that go quiet, or never start a stream, do not hold their connection for ever.
import type { Socket } from "node:net";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ClientOptions, WebSocket } from "ws";
import type { ParleyConfig } from "../config.ts";
import { createServer, type ParleyServer } from "../server.ts";
import type { Session } from "../Session.ts";
import { metricTotal, sleep, waitFor } from "../testing.ts";
import { MediaTokenBucket } from "./MediaTokenBucket.ts";

async function withServer(websocket: ParleyConfig["websocket"], fn: (port: number, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45420-45429" }, websocket });
  const { port } = await server.listen();
  try {
    await fn(port, server);
  } finally {
    await server.close();
  }
}

async function connect(port: number, path: string, options?: ClientOptions): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}${path}`, options);
  socket.on("error", () => {});
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  return socket;
}

/** Opens an audio fork at 8 kHz and waits for its session. */
async function fork(port: number, server: ParleyServer, options?: ClientOptions): Promise<{ socket: WebSocket; session: Session }> {
  const started = new Promise<Session>((resolve) => server.sessions$.subscribe(resolve));
  const socket = await connect(port, "/v1/audio-fork", options);
  socket.send(JSON.stringify({ sampleRate: 8000 }));
  return { socket, session: await started };
}

const tooFast = (server: ParleyServer) => metricTotal(server.metrics.registry, "parley_websocket_messages_rejected_total", { reason: "faster_than_real_time" });

test("the inbound token bucket admits real time steadily, a burst up to its allowance, and a pause earns no more than that", () => {
  const bucket = new MediaTokenBucket(1000);
  let admitted = 0;
  for (let now = 0; now < 10_000; now += 20) admitted += bucket.take(20, now) ? 1 : 0;
  assert.is(admitted, 500, "real time: every frame");
  let burst = 0;
  for (let i = 0; i < 3000; i++) burst += bucket.take(20, 10_000) ? 1 : 0;
  assert.is(burst, 50, "after a steady stream: one second of burst");
  let afterPause = 0;
  for (let i = 0; i < 3000; i++) afterPause += bucket.take(20, 70_000) ? 1 : 0;
  assert.is(afterPause, 50, "after a minute's pause: still one second");
});

test("60 s of audio sent at once: about a second of it is delivered, the rest dropped and counted", () =>
  withServer({}, async (port, server) => {
    const { socket, session } = await fork(port, server);
    let frames = 0;
    session.audio$.subscribe(() => frames++);
    const burst = performance.now();
    for (let i = 0; i < 3000; i++) socket.send(new Uint8Array(320));
    await waitFor(async () => (await tooFast(server)) + frames >= 3000, 10_000, "the whole burst handled");
    const allowed = 50 + (performance.now() - burst) / 20;
    assert.ok(frames <= allowed, `${frames} frames delivered, ${allowed.toFixed(0)} allowed (1 s of burst and real time)`);
    socket.terminate();
  }));

test("a peer that pauses, then pushes a minute of audio, is not credited for the pause", () =>
  withServer({}, async (port, server) => {
    const { socket, session } = await fork(port, server);
    let frames = 0;
    session.audio$.subscribe(() => frames++);
    socket.send(new Uint8Array(320));
    await sleep(2000);
    const burst = performance.now();
    for (let i = 0; i < 3000; i++) socket.send(new Uint8Array(320));
    await waitFor(async () => (await tooFast(server)) + frames >= 3001, 10_000, "the whole burst handled");
    const allowed = 51 + (performance.now() - burst) / 20;
    assert.ok(frames <= allowed, `${frames} frames delivered, ${allowed.toFixed(0)} allowed (2 s of pause must not be 2 s more of burst)`);
    socket.terminate();
  }));

test("a media-stream peer that stops reading is dropped once its send buffer passes websocket.maxBufferedBytes: websocket_slow_client, counted", () =>
  withServer({ maxBufferedBytes: 64 * 1024 }, async (port, server) => {
    const started = new Promise<Session>((resolve) => server.sessions$.subscribe(resolve));
    const socket = await connect(port, "/v1/media-stream");
    socket.send(JSON.stringify({ event: "start", start: { streamSid: "deaf" } }));
    const session = await started;
    let ended = false;
    session.closed.then(() => (ended = true));
    (socket as unknown as { _socket: Socket })._socket.pause();
    // Each unknown event is answered with an error naming it: 60 KB asked, 60 KB owed to a peer that no longer reads.
    const name = "x".repeat(60_000);
    for (let i = 0; i < 4000 && !ended; i++) {
      socket.send(JSON.stringify({ event: name }));
      if (i % 20 === 19) await sleep(5);
    }
    const closed = await Promise.race([session.closed, sleep(5000).then(() => undefined)]);
    assert.is(closed?.reason, "websocket_slow_client");
    assert.is(await metricTotal(server.metrics.registry, "parley_slow_clients_dropped_total", { channel: "websocket" }), 1);
    assert.is(await metricTotal(server.metrics.registry, "parley_websocket_connections_dropped_total", { transport: "media-stream", reason: "slow_client" }), 1);
    socket.terminate();
  }));

test("a peer that neither answers pings nor sends ends websocket_idle within websocket.idleTimeoutSeconds; one that answers pings stays", () =>
  withServer({ idleTimeoutSeconds: 0.4 }, async (port, server) => {
    const quiet = await fork(port, server);
    const deaf = await fork(port, server, { autoPong: false });
    const closed = await Promise.race([deaf.session.closed, sleep(3000).then(() => undefined)]);
    assert.is(closed?.reason, "websocket_idle");
    assert.ok(closed!.durationMs <= 1000, `ended after ${closed!.durationMs} ms`);
    let quietEnded = false;
    quiet.session.closed.then(() => (quietEnded = true));
    await sleep(800);
    assert.not.ok(quietEnded, "the peer answering pings is still connected");
    assert.is(await metricTotal(server.metrics.registry, "parley_websocket_connections_dropped_total", { transport: "audio-fork", reason: "idle" }), 1);
    quiet.socket.terminate();
    deaf.socket.terminate();
  }));

test("a connection that starts no stream within websocket.idleTimeoutSeconds is closed and counted, even while it answers pings", () =>
  withServer({ idleTimeoutSeconds: 0.4 }, async (port, server) => {
    const socket = await connect(port, "/v1/media-stream");
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.send(JSON.stringify({ event: "connected" }));
    assert.ok(await Promise.race([closed.then(() => true), sleep(3000).then(() => false)]), "the server closed the connection");
    assert.is(await metricTotal(server.metrics.registry, "parley_websocket_connections_dropped_total", { transport: "media-stream", reason: "no_start" }), 1);
  }));

test.run();
