// test: alone (latency measured)
import { test } from "uvu";
import * as assert from "uvu/assert";
import { createServer, type EventInput, type Session } from "../../core/mod.ts";
import { voiceToVoice } from "./voice-to-voice.ts";

const PORTS = "48620-48629";

async function withSession(run: (session: Session, measured: EventInput[]) => Promise<void> | void): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  await server.listen();
  try {
    const { session } = await server.rtp.open({ codec: "pcmu" });
    const measured: EventInput[] = [];
    const subscription = voiceToVoice(session).subscribe((event) => measured.push(event));
    await run(session, measured);
    subscription.unsubscribe();
  } finally {
    await server.close();
  }
}

const turnEnd = (ts: number): EventInput => ({ type: "turn.end", startMs: 0, endMs: 2000, durationMs: 2000, speechMs: 1800, silenceMs: 500, segments: 2, reason: "silence", ts, source: "vad" });

test("voice-to-voice runs from the end of the caller's speech to the reply's first audio", () =>
  withSession((session, measured) => {
    session.emit(turnEnd(10_500));
    session.emit({ type: "playback.started", playbackId: "pb1", ts: 10_820, source: "core" });
    session.emit({ type: "playback.started", playbackId: "pb2", ts: 11_000, source: "core" });
    assert.equal(measured, [{ type: "latency.voice_to_voice", playbackId: "pb1", voiceToVoiceMs: 820, endpointMs: 500, speechEndMs: 2000 }]);
  }));

test("a turn the caller takes up again before the answer is not counted", () =>
  withSession((session, measured) => {
    session.emit(turnEnd(10_500));
    session.emit({ type: "vad.speech_start", startMs: 2600, detectedMs: 2660, source: "vad" });
    session.emit({ type: "playback.started", playbackId: "pb1", ts: 10_900, source: "core" });
    assert.equal(measured, []);
  }));

test.run();
