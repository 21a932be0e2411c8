import { createSocket, type Socket } from "node:dgram";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer, type Session, type SessionEvent } from "../../core/mod.ts";
import { waitFor } from "../../core/testing.ts";
import { type AudioFrame, decodeMulaw, parseRtpPacket, serializeRtpPacket } from "../../media/mod.ts";
import { rms } from "../../media/signal-test-utils.ts";
import { createEspeakEngine } from "./espeak-engine.ts";
import { createTtsPlugin, tts } from "./plugin.ts";
import { say } from "./say.ts";
import { type TtsEngine, TtsError } from "./TtsEngine.ts";

const PORTS = "46200-46299";

/** A caller's phone: receives Parley's RTP and keeps the decoded audio. */
class Listener {
  readonly socket: Socket = createSocket("udp4");
  readonly samples: Int16Array[] = [];
  bind(): Promise<number> {
    this.socket.on("message", (message) => this.samples.push(decodeMulaw(parseRtpPacket(new Uint8Array(message)).payload)));
    return new Promise((resolve) => this.socket.bind(0, "127.0.0.1", () => resolve(this.socket.address().port)));
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

async function withCall(use: (server: ParleyServer) => void, run: (session: Session, events: SessionEvent[], listener: Listener, server: ParleyServer) => Promise<void>) {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } });
  use(server);
  const listener = new Listener();
  try {
    await server.listen();
    const port = await listener.bind();
    const { session, port: serverPort } = await server.rtp.open({ codec: "pcmu", remote: `127.0.0.1:${port}`, symmetric: false });
    // A caller's first packet confirms it: Parley sends nothing to a named address before that.
    listener.socket.send(serializeRtpPacket({ payloadType: 0, sequenceNumber: 1, timestamp: 0, ssrc: 1, payload: new Uint8Array(160).fill(0xff) }), serverPort, "127.0.0.1");
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    await run(session, events, listener, server);
  } finally {
    await listener.close();
    await server.close();
  }
}

const find = <T extends SessionEvent["type"]>(events: SessionEvent[], type: T) => events.find((e): e is Extract<SessionEvent, { type: T }> => e.type === type);

test("say() streams synthesised speech to the caller: tts.started with the time to first audio, then tts.finished", async () => {
  await withCall((server) => server.use(tts), async (session, events, listener, server) => {
    const playback = say(session, "Thank you for calling.");
    const result = await playback.done;
    await waitFor(() => !!find(events, "tts.finished"), 2000, "tts.finished");
    const started = find(events, "tts.started")!;
    assert.equal([started.playbackId, started.engine, started.text, started.source], [playback.id, "espeak-ng", "Thank you for calling.", "tts"]);
    assert.ok(started.firstAudioMs >= 0 && started.firstAudioMs < 500, `${started.firstAudioMs} ms`);
    const finished = find(events, "tts.finished")!;
    assert.equal([finished.cancelled, finished.playedMs, finished.spokenText], [false, result.playedMs, "Thank you for calling."]);
    assert.ok(result.playedMs > 800, `${result.playedMs} ms played`);
    await waitFor(() => listener.samples.length * 20 >= result.playedMs - 100, 2000, "the audio at the caller");
    const heard = new Int16Array(listener.samples.flatMap((s) => [...s]));
    assert.ok(rms(heard) > 500, "the caller hears speech, not silence");
    const histogram = await server.metrics.registry.getSingleMetric("parley_tts_first_audio_seconds")!.get();
    assert.is(histogram.values.find((v) => (v as { metricName?: string }).metricName === "parley_tts_first_audio_seconds_count")?.value, 1);
  });
});

test("a text said before plays from the prompt cache: no synthesis, the same audio, tts.started marked cached", async () => {
  await withCall((server) => server.use(tts), async (session, events, listener, server) => {
    const first = await say(session, "Thank you for calling.").done;
    const heardFirst = listener.samples.length;
    const second = say(session, "Thank you for calling.");
    const replayed = await second.done;
    assert.ok(!replayed.cancelled && Math.abs(replayed.playedMs - first.playedMs) < 20, `${replayed.playedMs} ms, first ${first.playedMs} ms (the clip's last frame is whole)`);
    await waitFor(() => events.filter((e) => e.type === "tts.finished").length === 2, 2000, "two tts.finished");
    const started = events.filter((e): e is Extract<SessionEvent, { type: "tts.started" }> => e.type === "tts.started");
    assert.equal(started.map((e) => e.cached ?? false), [false, true]);
    assert.is(started[1].playbackId, second.id);
    await waitFor(() => listener.samples.length >= 2 * heardFirst - 5, 2000, "the second playback at the caller");
    const spoken = (samples: Int16Array[]) => rms(new Int16Array(samples.flatMap((s) => [...s])));
    assert.ok(Math.abs(spoken(listener.samples.slice(heardFirst)) - spoken(listener.samples.slice(0, heardFirst))) < 0.1 * spoken(listener.samples.slice(0, heardFirst)), "the caller hears the same speech");
    const lookups = await server.metrics.registry.getSingleMetric("parley_tts_cache_lookups_total")!.get();
    assert.equal(lookups.values.map((v) => [v.labels.result, v.value]).sort(), [["hit", 1], ["miss", 1]]);
  });
});

test("callers told the same text at the same moment share one synthesis", async () => {
  let syntheses = 0;
  const counting: TtsEngine = {
    name: "counting",
    async *synthesize() {
      syntheses++;
      for (let i = 0; i < 25; i++) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        yield { samples: new Int16Array(320).fill(1000 + i), sampleRate: 16000, timestamp: i * 20, seq: i } satisfies AudioFrame;
      }
    },
    close: () => Promise.resolve(),
  };
  await withCall((server) => server.use(createTtsPlugin(counting)), async (session, events, _listener, server) => {
    const other = (await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", symmetric: false })).session;
    const otherEvents: SessionEvent[] = [];
    other.events$.subscribe((event) => otherEvents.push(event));
    const results = await Promise.all([say(session, "Welcome.").done, say(other, "Welcome.").done]);
    assert.is(syntheses, 1);
    assert.equal(results.map((r) => r.playedMs), [500, 500]);
    assert.equal([find(events, "tts.started")?.cached, find(otherEvents, "tts.started")?.cached], [undefined, true]);
  });
});

test("a prompt cut off by a barge-in is synthesised whole for the cache: the next caller hears all of it from there", async () => {
  let syntheses = 0;
  const counting: TtsEngine = {
    name: "counting",
    async *synthesize(_text, options) {
      syntheses++;
      for (let i = 0; i < 25 && !options?.signal?.aborted; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        yield { samples: new Int16Array(320).fill(1000 + i), sampleRate: 16000, timestamp: i * 20, seq: i } satisfies AudioFrame;
      }
    },
    close: () => Promise.resolve(),
  };
  await withCall((server) => server.use(createTtsPlugin(counting)), async (session, events, _listener, server) => {
    const playback = say(session, "Welcome.");
    await new Promise((resolve) => setTimeout(resolve, 60));
    playback.cancel();
    assert.ok((await playback.done).cancelled);
    const other = (await server.rtp.open({ codec: "pcmu", remote: "127.0.0.1:9", symmetric: false })).session;
    const otherEvents: SessionEvent[] = [];
    other.events$.subscribe((event) => otherEvents.push(event));
    const replayed = await say(other, "Welcome.").done;
    assert.equal([replayed.cancelled, replayed.playedMs], [false, 500], "the whole prompt");
    assert.is(find(otherEvents, "tts.started")?.cached, true);
    assert.is(syntheses, 2, "the cut-off one and the one for the cache");
    assert.is(find(events, "tts.finished")?.cancelled, true);
  });
});

test("cutting a playback off (barge-in) reports what the caller heard", async () => {
  await withCall((server) => server.use(tts), async (session, events) => {
    const text = "Your order has shipped. It will arrive on Thursday between nine and five.";
    const playback = say(session, text);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    playback.cancel();
    await waitFor(() => !!find(events, "tts.finished"), 2000, "tts.finished");
    const finished = find(events, "tts.finished")!;
    assert.ok(finished.cancelled && finished.playedMs > 500 && finished.playedMs < 2500, `${finished.playedMs} ms`);
    assert.ok(finished.spokenText && text.startsWith(finished.spokenText) && finished.spokenText.length < text.length / 2, JSON.stringify(finished.spokenText));
  });
});

test("a tts.say event from anyone on the session is spoken", async () => {
  await withCall((server) => server.use(tts), async (session, events) => {
    session.emit({ type: "tts.say", text: "Hello." });
    await waitFor(() => !!find(events, "tts.finished"), 3000, "tts.finished");
    assert.is(find(events, "tts.started")!.text, "Hello.");
  });
});

test("an engine that fails mid-text gives tts.error; the playback ends and the call goes on", async () => {
  const failing: TtsEngine = {
    name: "failing",
    async *synthesize() {
      for (let i = 0; i < 3; i++) yield { samples: new Int16Array(320).fill(1000), sampleRate: 16000, timestamp: i * 20, seq: i } satisfies AudioFrame;
      throw new TtsError("engine_crashed", "the fake engine crashed");
    },
    close: () => Promise.resolve(),
  };
  await withCall((server) => server.use(createTtsPlugin(failing)), async (session, events, _listener, server) => {
    const result = await say(session, "Anything.").done;
    await waitFor(() => !!find(events, "tts.finished"), 2000, "tts.finished");
    const error = find(events, "tts.error")!;
    assert.equal([error.reason, error.engine], ["engine_crashed", "failing"]);
    assert.is(result.playedMs, 60);
    assert.ok(server.session(session.id), "the session is still up");
    await say(session, "Anything.").done;
    assert.equal(events.filter((e) => e.type === "tts.started").map((e) => e.cached ?? false), [false, false], "what failed was not kept in the cache");
  });
});

test("say() without the tts plugin needs an engine of its own", async () => {
  await withCall(() => {}, async (session, events) => {
    assert.throws(() => say(session, "Hello."), (error: unknown) => error instanceof TtsError && error.reason === "engine_unavailable");
    const engine = await createEspeakEngine();
    try {
      await say(session, "Hi.", { engine }).done;
      await waitFor(() => !!find(events, "tts.finished"), 2000, "tts.finished");
    } finally {
      await engine.close();
    }
  });
});

test.run();
