// test: alone (its mediasoup tests need the worker, which CI builds beside the other tests: the alone files run once it is built)
import { filter, firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { echo } from "../../examples/echo.ts";
import { bestLag, sine } from "../../media/signal-test-utils.ts";
import type { AudioFrame } from "../../media/frame.ts";
import { OpusDecoder, OpusEncoder } from "../opus.ts";
import { createServer } from "../server.ts";
import { requireMediasoup } from "./mediasoup-testing.ts";
import { callWhip } from "./webrtc-test-peer.ts";

const EDGES = ["werift", "mediasoup"] as const;
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

for (const edge of EDGES) {
test(`${edge} edge: a werift peer calls by WHIP: audio in decodes through Parley's jitter buffer, audio out comes back, DELETE hangs up`, async () => {
  if (edge === "mediasoup" && !(await requireMediasoup())) return;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45200-45219" }, webrtc: { interfaces: ["127.0.0.1"], edge, workers: 1 } }).use(echo, { delayMs: 200 });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    const sessionStarted = firstValueFrom(server.sessions$);
    const caller = await callWhip(base);
    const session = await sessionStarted;
    assert.is(session.info.transport, "webrtc");
    assert.is(session.info.codec, "opus");
    const frames: AudioFrame[] = [];
    session.audio(16000).subscribe((frame) => frames.push(frame));

    const tone = sine(440, 48000, 48000, 12000);
    const encoder = new OpusEncoder(48000);
    for (let i = 0; i < 50; i++) {
      caller.sendOpus(encoder.encode(tone.subarray(i * 960, (i + 1) * 960)));
      await wait(20);
    }
    await wait(400);
    assert.ok(frames.length >= 45, `decoded ${frames.length} of 50 frames`);
    const decoded = new Int16Array(frames.length * 320);
    frames.forEach((frame, i) => decoded.set(frame.samples, i * 320));
    const reference = sine(440, 16000, decoded.length, 12000);
    const { correlation } = bestLag(reference.subarray(1600, 12000), decoded.subarray(1600, 12000), 200);
    assert.ok(correlation > 0.9, `inbound correlation ${correlation.toFixed(3)}`);

    const echoed = caller.received.filter((p) => p.header.payloadType === 111);
    assert.ok(echoed.length >= 30, `echoed packets: ${echoed.length}`);
    const decoder = new OpusDecoder(48000);
    const loud = echoed.slice(10).map((p) => decoder.decode(p.payload)).filter((pcm) => Math.max(...pcm) > 3000);
    assert.ok(loud.length > 10, "the echo carries the tone");

    const metrics = await server.metrics.registry.metrics();
    assert.match(metrics, /parley_webrtc_ice_connect_seconds_count 1/);
    assert.match(metrics, /parley_webrtc_dtls_connect_seconds_count 1/);
    assert.match(metrics, /parley_sessions_total\{transport="webrtc",codec="opus"\} 1/);

    const ended = firstValueFrom(session.events$.pipe(filter((e) => e.type === "session.ended")));
    await caller.close();
    assert.is((await ended).type === "session.ended" && (await session.closed).reason, "whip_delete");
  } finally {
    await server.close();
  }
});
}

test("a connected peer that stops sending (a tab closed without a word) is hung up after mediaTimeoutSeconds with webrtc_media_timeout", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45240-45259" }, webrtc: { interfaces: ["127.0.0.1"], mediaTimeoutSeconds: 1 } });
  const { port } = await server.listen();
  try {
    const sessionStarted = firstValueFrom(server.sessions$);
    const caller = await callWhip(`http://127.0.0.1:${port}`);
    const session = await sessionStarted;
    const encoder = new OpusEncoder(48000);
    const silence = new Int16Array(960);
    for (let i = 0; i < 50; i++) {
      caller.sendOpus(encoder.encode(silence));
      await wait(20);
    }
    let over = false;
    void session.closed.then(() => (over = true));
    await wait(0);
    assert.is(over, false, "alive while it sends");
    const stoppedAt = performance.now();
    const { reason } = await session.closed;
    const afterMs = performance.now() - stoppedAt;
    assert.is(reason, "webrtc_media_timeout");
    assert.ok(afterMs > 900 && afterMs < 2500, `hung up ${afterMs.toFixed(0)} ms after the last packet`);
    await caller.close();
  } finally {
    await server.close();
  }
});

// werift edge only: a mediasoup consumer forwards only media codecs (Consumer.cpp fills its
// supported payload types with those), so RFC 4733 events never leave the worker (see the README).
test("werift edge: DTMF over WebRTC (RFC 4733 inside SRTP) is reported", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45220-45239" }, webrtc: { interfaces: ["127.0.0.1"] } });
  const { port } = await server.listen();
  try {
    const sessionStarted = firstValueFrom(server.sessions$);
    const caller = await callWhip(`http://127.0.0.1:${port}`);
    const session = await sessionStarted;
    const digit = firstValueFrom(session.events$.pipe(filter((e) => e.type === "dtmf")));
    caller.sendOpus(new OpusEncoder(48000).encode(new Int16Array(960)));
    const { dtmfPackets } = await import("../../media/dtmf.ts");
    let seq = 100;
    for (const packet of dtmfPackets("9", { durationMs: 100, clockRate: 48000 })) {
      caller.sendRaw(110, seq++, 777777, packet.payload, packet.marker);
      await wait(5);
    }
    const event = await digit;
    assert.is(event.type === "dtmf" && event.digit, "9");
    await caller.close();
  } finally {
    await server.close();
  }
});

test("WHIP rejects wrong content types and malformed offers with clear 4xx answers", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45240-45259" } });
  const { port } = await server.listen();
  const base = `http://127.0.0.1:${port}`;
  try {
    const wrongType = await fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    assert.is(wrongType.status, 415);
    assert.match((await wrongType.json()).error.message, "application/sdp");
    const garbage = await fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: "hello" });
    assert.is(garbage.status, 400);
    assert.is((await garbage.json()).error.code, "PARLEY_ERR_BAD_SDP");
    const videoOnly = await fetch(`${base}/whip`, { method: "POST", headers: { "content-type": "application/sdp" }, body: "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n" });
    assert.is(videoOnly.status, 400);
    const unknown = await fetch(`${base}/whip/nope`, { method: "DELETE" });
    assert.is(unknown.status, 404);
    assert.is(server.sessions().length, 0, "no session is left behind");
  } finally {
    await server.close();
  }
});

test.run();
