// WebSocket media against hostile peers: audio pushed far faster than real time is not delivered
// (so it cannot flood the plugins or lag the event loop), and a peer that stops reading is dropped
// instead of growing the server's memory.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WebSocket } from "ws";
import { AudioFanout } from "../AudioFanout.ts";
import { createServer, type ParleyServer } from "../server.ts";
import { WebSocketEndpoint } from "./WebSocketEndpoint.ts";
import { metricTotal, waitFor } from "../testing.ts";

async function withServer(fn: (port: number, server: ParleyServer) => Promise<void>): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45420-45429" } });
  const { port } = await server.listen();
  try {
    await fn(port, server);
  } finally {
    await server.close();
  }
}

async function fork(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/v1/audio-fork`);
  await new Promise((resolve, reject) => socket.once("open", resolve).once("error", reject));
  socket.send(JSON.stringify({ sampleRate: 8000 }));
  return socket;
}

test("60 s of audio sent at once: about a second of it is delivered, the rest dropped and counted", () =>
  withServer(async (port, server) => {
    let frames = 0;
    server.sessions$.subscribe((session) => session.audio$.subscribe(() => frames++));
    const socket = await fork(port);
    for (let i = 0; i < 3000; i++) socket.send(new Uint8Array(320));
    await waitFor(async () => (await metricTotal(server.metrics.registry, "parley_websocket_messages_rejected_total", { reason: "faster_than_real_time" })) > 2500, 5000, "the excess counted");
    assert.ok(frames <= 150, `${frames} frames delivered`);
    socket.terminate();
  }));

test("a peer that stops reading (its send buffer past the bound) is dropped and counted, not buffered without end", () => {
  const sent: unknown[] = [];
  let terminated = false;
  let dropped = 0;
  const peer = { OPEN: 1, readyState: 1, bufferedAmount: 0, send: (message: unknown) => sent.push(message), terminate: () => (terminated = true) };
  const framing = { sampleRate: 8000, audio: (samples: Int16Array) => new Uint8Array(samples.buffer) };
  const endpoint = new WebSocketEndpoint(peer as unknown as WebSocket, framing, new AudioFanout(8000, [8000]), () => dropped++);
  endpoint.sendFrame(new Int16Array(160));
  assert.is(sent.length, 1);
  peer.bufferedAmount = 600 * 1024;
  endpoint.sendFrame(new Int16Array(160));
  endpoint.sendFrame(new Int16Array(160));
  assert.equal([sent.length, terminated, dropped], [1, true, 1]);
});

test.run();
