import { Observable } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type ParleyServer, type SessionEvent } from "../../core/mod.ts";
import { metricTotal, waitFor } from "../../core/testing.ts";
import { createVadPlugin, vad, type VadPluginOptions } from "./plugin.ts";
import { RtpTestPeer, speechClip } from "../testing.ts";

const PORTS = "46000-46099";

/** Runs one call: sends the clip between silences over PCMU, collects the session's events. */
async function callWith(server: ParleyServer, samples: Int16Array, rate: number, until: (events: SessionEvent[]) => boolean = () => true) {
  await server.listen();
  const { session, port } = await server.rtp.open({ codec: "pcmu" });
  const events: SessionEvent[] = [];
  session.events$.subscribe((event) => events.push(event));
  const peer = new RtpTestPeer(port);
  try {
    await peer.sendSilence(500);
    await peer.send(samples, rate);
    await peer.sendSilence(1000);
    await waitFor(() => until(events), 5000, "the expected events");
  } finally {
    await peer.close();
  }
  return { session, events };
}

async function speechEvents(options: Partial<VadPluginOptions>) {
  const clip = speechClip("goforward.wav");
  if (!clip) return null;
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } }).use(vad, options);
  try {
    const { events } = await callWith(server, clip.samples, clip.sampleRate, (all) => all.some((e) => e.type === "turn.end"));
    return events;
  } finally {
    await server.close();
  }
}

for (const engine of ["webrtc", "silero"] as const) {
  test(`${engine}: a caller saying "go forward ten meters" over PCMU gets speech_start, speech_end and turn.end at the right media times`, async () => {
    const events = await speechEvents({ engine, minSilenceMs: 500 });
    if (!events) return;
    const start = events.find((e) => e.type === "vad.speech_start");
    const end = events.filter((e) => e.type === "vad.speech_end").at(-1);
    const turn = events.find((e) => e.type === "turn.end");
    assert.ok(start && end && turn, JSON.stringify(events.map((e) => e.type)));
    // The words lie at 0.46-2.11 s of the clip, which starts 500 ms into the call.
    assert.ok(Math.abs(start.startMs - 960) <= 150, `speech starts at ${start.startMs}`);
    assert.ok(Math.abs(turn.endMs - 2610) <= 200, `speech ends at ${turn.endMs}`);
    assert.is(turn.reason, "silence");
    assert.is(turn.silenceMs, 500);
    assert.ok(end.endMs === turn.endMs && turn.speechMs <= turn.durationMs);
    const longest = Math.max(...events.map((e) => (e.type === "vad.speech_end" ? e.durationMs : 0)));
    assert.ok(longest > 1000, `longest speech segment ${longest} ms`);
    assert.is(start.source, "vad");
  });
}

test("silence and quiet noise give no speech events", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } }).use(vad, {});
  try {
    const noise = new Int16Array(16000).map((_, i) => ((i * 7919) % 200) - 100);
    const { events } = await callWith(server, noise, 8000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok((await metricTotal(server.metrics.registry, "parley_rtp_packets_received_total")) > 100, "the audio did arrive");
    assert.not.ok(events.some((e) => e.type.startsWith("vad.") || e.type === "turn.end"));
  } finally {
    await server.close();
  }
});

test("an engine that fails mid-call costs a plugin.error event, not the call", async () => {
  let frames = 0;
  const crashing = createVadPlugin({
    name: "crashing",
    classify: (input) =>
      new Observable((subscriber) =>
        input.subscribe(() => {
          if (++frames === 10) subscriber.error(new Error("engine crashed"));
        })
      ),
    close: () => Promise.resolve(),
  });
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS, symmetric: false } }).use(crashing);
  try {
    const { session, events } = await callWith(server, new Int16Array(8000), 8000, (all) => all.some((e) => e.type === "plugin.error"));
    const error = events.find((e) => e.type === "plugin.error");
    assert.ok(error && error.type === "plugin.error" && error.plugin === "vad" && /engine crashed/.test(error.message));
    assert.ok(server.session(session.id), "the session is still up");
  } finally {
    await server.close();
  }
});

test("unknown options are refused at registration", () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  assert.throws(() => server.use(vad, { engine: "nope" as "webrtc" }), /PARLEY_ERR_PLUGIN_OPTIONS|Invalid options/);
  return server.close();
});

test.run();
