import { filter, firstValueFrom } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WebSocket } from "ws";
import { decodeMulaw, encodeMulaw } from "../../media/g711.ts";
import type { AudioFrame } from "../../media/frame.ts";
import { bestLag, sine } from "../../media/signal-test-utils.ts";
import { createServer, type ParleyServer } from "../server.ts";
import { concatFrames as concat } from "../testing.ts";
import type { Session } from "../Session.ts";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `done()` holds, polling, for at most `ms` (a loaded machine delivers late, not never). */
async function until(done: () => boolean, ms = 3000): Promise<void> {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) await wait(10);
}

async function withServer(fn: (url: string, server: ParleyServer) => Promise<void>, config: object = {}): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: "45400-45419" }, ...config });
  const { port } = await server.listen();
  try {
    await fn(`ws://127.0.0.1:${port}`, server);
  } finally {
    await server.close();
  }
}

/** A peer that records every message it gets. */
async function connect(url: string): Promise<{ ws: WebSocket; messages: (string | Uint8Array)[] }> {
  const ws = new WebSocket(url);
  const messages: (string | Uint8Array)[] = [];
  ws.on("message", (data, isBinary) => messages.push(isBinary ? new Uint8Array(data as Buffer) : String(data)));
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return { ws, messages };
}

function json(messages: (string | Uint8Array)[]): Record<string, any>[] {
  return messages.filter((m): m is string => typeof m === "string").map((m) => JSON.parse(m));
}

function longPlayback(session: Session, seconds: number, rate = 8000) {
  return session.play([{ samples: sine(300, rate, rate * seconds, 9000), sampleRate: rate, timestamp: 0, seq: 0 }].values() as never);
}

test("media-stream: mu-law in matches, audio out arrives paced, mark follows a finished playback", () =>
  withServer(async (url, server) => {
    const started = firstValueFrom(server.sessions$);
    const { ws, messages } = await connect(`${url}/v1/media-stream?campaign=spring`);
    ws.send(JSON.stringify({ event: "connected" }));
    ws.send(JSON.stringify({ event: "start", start: { streamSid: "MZ1", callSid: "CA1", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 }, customParameters: { account: "42" } } }));
    const session = await started;
    assert.equal([session.info.transport, session.info.codec, session.info.metadata.account, session.info.metadata.campaign], ["websocket", "pcmu", "42", "spring"]);
    const frames: AudioFrame[] = [];
    session.audio$.subscribe((frame) => frames.push(frame));
    const tone = sine(440, 8000, 8000, 10000);
    for (let i = 0; i < 50; i++) ws.send(JSON.stringify({ event: "media", media: { payload: Buffer.from(encodeMulaw(tone.subarray(i * 160, (i + 1) * 160))).toString("base64") } }));
    await until(() => frames.length >= 50);
    const received = concat(frames);
    assert.is(received.length, 8000);
    assert.ok(bestLag(decodeMulaw(encodeMulaw(tone)), received, 0).correlation > 0.999, "audio in matches");
    assert.is(frames[10].timestamp, 200);

    const playback = longPlayback(session, 0.2);
    await playback.done;
    await until(() => json(messages).some((m) => m.event === "mark"));
    const media = json(messages).filter((m) => m.event === "media");
    assert.is(media.length, 10, "200 ms as ten 20 ms media messages");
    const sent = concat(media.map((m) => ({ samples: decodeMulaw(Buffer.from(m.media.payload, "base64")) } as AudioFrame)));
    assert.ok(Math.max(...sent) > 7000, "the played tone arrives");
    const mark = json(messages).find((m) => m.event === "mark");
    assert.equal(mark, { event: "mark", streamSid: "MZ1", mark: { name: playback.id } });
    const echoedMark = firstValueFrom(session.events$.pipe(filter((e) => e.type === "playback.mark")));
    ws.send(JSON.stringify({ event: "mark", mark: { name: playback.id } }));
    assert.is((await echoedMark).type === "playback.mark" && ((await echoedMark) as { name: string }).name, playback.id);
    ws.send(JSON.stringify({ event: "stop" }));
    assert.is((await session.closed).reason, "remote_stop");
  }));

test("media-stream: clear from the peer empties Parley's queue within one frame, and barge-in sends clear", () =>
  withServer(async (url, server) => {
    const started = firstValueFrom(server.sessions$);
    const { ws, messages } = await connect(`${url}/v1/media-stream`);
    ws.send(JSON.stringify({ event: "start", start: { streamSid: "MZ2" } }));
    const session = await started;
    const playback = longPlayback(session, 5);
    await wait(200);
    ws.send(JSON.stringify({ event: "clear" }));
    const result = await playback.done;
    assert.ok(result.cancelled);
    const count = json(messages).filter((m) => m.event === "media").length;
    await wait(100);
    assert.ok(json(messages).filter((m) => m.event === "media").length <= count + 1, "at most one more frame after clear");
    longPlayback(session, 5);
    await wait(100);
    session.stopPlayback();
    await wait(30);
    assert.ok(json(messages).some((m) => m.event === "clear" && m.streamSid === "MZ2"), "Parley tells the peer to drop its queue");
    ws.close();
    assert.is((await session.closed).reason, "websocket_closed");
  }));

test("audio-fork: binary L16 at 16 kHz in after metadata, binary L16 out", () =>
  withServer(async (url, server) => {
    const started = firstValueFrom(server.sessions$);
    const { ws, messages } = await connect(`${url}/v1/audio-fork`);
    ws.send(JSON.stringify({ sampleRate: 16000, metadata: { uuid: "fs-1" } }));
    const session = await started;
    assert.equal([session.info.codec, session.info.sampleRate, session.info.metadata.uuid], ["l16", 16000, "fs-1"]);
    const frames: AudioFrame[] = [];
    session.audio(16000).subscribe((frame) => frames.push(frame));
    const tone = sine(500, 16000, 3200, 12000);
    for (let i = 0; i < 10; i++) ws.send(new Uint8Array(tone.slice(i * 320, (i + 1) * 320).buffer));
    await until(() => frames.length >= 10);
    assert.equal([...concat(frames)], [...tone], "samples arrive bit-exact");
    await longPlayback(session, 0.1, 16000).done;
    const binaryMessages = () => messages.filter((m): m is Uint8Array => typeof m !== "string");
    await until(() => binaryMessages().length >= 5);
    await wait(40);
    const binary = binaryMessages();
    assert.is(binary.length, 5);
    assert.is(binary[0].length, 640, "20 ms of 16-bit samples at 16 kHz");
    ws.close();
  }));

test("bad input is answered, counted, and the calls go on", () =>
  withServer(async (url, server) => {
    const started = firstValueFrom(server.sessions$);
    const good = await connect(`${url}/v1/media-stream`);
    good.ws.send(JSON.stringify({ event: "start", start: { streamSid: "ok" } }));
    const session = await started;
    let frames = 0;
    session.audio$.subscribe(() => frames++);

    const bad = await connect(`${url}/v1/media-stream`);
    bad.ws.send("not json");
    bad.ws.send(JSON.stringify({ event: "media", media: { payload: "AAAA" } }));
    bad.ws.send(JSON.stringify({ event: "start", start: { mediaFormat: { encoding: "audio/opus" } } }));
    bad.ws.send(JSON.stringify({ event: "start", start: {} }));
    bad.ws.send(JSON.stringify({ event: "media", media: { payload: "%%%not-base64%%%" } }));
    bad.ws.send(JSON.stringify({ event: "teleport" }));
    bad.ws.send(new Uint8Array([1, 2, 3]));
    const fork = await connect(`${url}/v1/audio-fork`);
    fork.ws.send(new Uint8Array(320));
    fork.ws.send(JSON.stringify({ sampleRate: 44100 }));
    fork.ws.send(JSON.stringify({ sampleRate: 8000 }));
    fork.ws.send(new Uint8Array(321));
    const huge = await connect(`${url}/v1/media-stream`);
    const hugeClosed = new Promise<number>((resolve) => huge.ws.on("close", (code) => resolve(code)));
    huge.ws.send("x".repeat(70000));
    for (let i = 0; i < 5; i++) good.ws.send(JSON.stringify({ event: "media", media: { payload: Buffer.from(new Uint8Array(160).fill(0xff)).toString("base64") } }));
    assert.is(await hugeClosed, 1009, "oversized messages close that connection with 1009");
    await until(() => frames === 5 && json(bad.messages).length >= 6 && json(fork.messages).length >= 3);

    const errors = json(bad.messages).filter((m) => m.event === "error").map((m) => m.error.reason);
    assert.equal(errors, ["bad_json", "before_start", "unsupported_format", "bad_base64", "unknown_event", "unexpected_binary"]);
    assert.equal(json(fork.messages).map((m) => m.error.reason), ["before_start", "unsupported_format", "odd_length"]);
    const metrics = await server.metrics.registry.metrics();
    for (const reason of ["bad_json", "before_start", "bad_base64", "too_large", "odd_length"]) {
      assert.match(metrics, new RegExp(`parley_websocket_messages_rejected_total\\{transport="[a-z-]+",reason="${reason}"\\} \\d`), reason);
    }
    assert.is(frames, 5, "the good call kept receiving audio");
    assert.is(server.session(session.id), session, "the good call is still live");
    for (const peer of [good, bad, fork]) peer.ws.close();
  }, { websocket: { maxMessageBytes: 65536 } }));

test("with tokens configured, WebSocket upgrades need one", () =>
  withServer(async (url) => {
    const refused = new WebSocket(`${url}/v1/media-stream`);
    const status = await new Promise<number>((resolve) => refused.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)));
    assert.is(status, 401);
    const { ws } = await connect(`${url}/v1/media-stream?access_token=ws-token-123`);
    ws.close();
  }, { auth: { tokens: ["ws-token-123"] } }));

test.run();
