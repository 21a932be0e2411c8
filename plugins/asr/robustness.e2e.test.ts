// Bad input for the asr plugin, end to end with the real pocketsphinx engine where it matters:
// silence, noise, clipping, 8 kHz calls, a 10-minute monologue, an engine that crashes mid-call,
// and what is left behind after 100 calls.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioFanout } from "../../core/AudioFanout.ts";
import type { ParleyServer, SessionEvent } from "../../core/mod.ts";
import { CallSession } from "../../core/Session.ts";
import { sleep, waitFor } from "../../core/testing.ts";
import { createRng, whiteNoise } from "../../media/signal-test-utils.ts";
import { concatSamples, speechClip, speechClips } from "../testing.ts";
import { vad } from "../vad/mod.ts";
import type { AsrEngine } from "./AsrEngine.ts";
import { digitsGrammar } from "./grammars.ts";
import { createPocketsphinxEngine, type PocketsphinxControl } from "./pocketsphinx-engine.ts";
import { type AsrPluginOptions, createAsrPlugin } from "./plugin.ts";
import { countingEngine, ofType, openCall, pocketsphinxInstalled, say, withCall, withServer } from "./test-calls.ts";
import { transcribeTurns } from "./transcribe-turns.ts";
import { wordErrorRate } from "./wer.ts";

const PORTS = "46400-46599";

/** One real engine for the file (two workers), made on first use. */
let shared: Promise<AsrEngine & PocketsphinxControl> | undefined;
const engine = () => (shared ??= createPocketsphinxEngine({ workers: 2 }));

/** True when `text` is `reference` but for at most one word in four (telephone-band dictation: "go forward and meters"). */
function heard(text: string, reference: string): boolean {
  const wer = wordErrorRate([{ reference, hypothesis: text }]);
  if (wer > 0.25) console.log(`  heard "${text}" for "${reference}"`);
  return wer <= 0.25;
}

/** The vad and asr plugins on the shared real engine, with these asr options. */
async function recognising(options: Partial<AsrPluginOptions> = {}): Promise<(server: ParleyServer) => void> {
  const recognizer = await engine();
  return (server) => server.use(vad, { minSilenceMs: 300 }).use(createAsrPlugin(recognizer), options);
}

test("silence gives no utterance at all; white noise gives no error and at most a few words; the call then transcribes speech", async () => {
  const clip = speechClip("goforward.wav");
  if (!clip || !pocketsphinxInstalled()) return;
  await withCall(PORTS, await recognising(), async (call) => {
    await call.peer.sendSilence(2000);
    await sleep(200);
    assert.is(ofType(call.events, "vad.speech_start").length, 0, "digital silence is not speech");
    await call.peer.send(whiteNoise(createRng(5), 16000 * 2, 6000), 16000);
    await call.peer.sendSilence(800);
    const turns = ofType(call.events, "turn.end").length;
    await waitFor(() => ofType(call.events, "transcript").length >= turns, 20000, "every noise turn transcribed");
    for (const transcript of ofType(call.events, "transcript")) assert.ok(transcript.words.length <= 6, `noise read as "${transcript.text}"`);
    await say(call, clip.samples, "transcript", turns + 1);
    assert.ok(heard(ofType(call.events, "transcript").at(-1)!.text, clip.transcript));
    assert.is(ofType(call.events, "asr.error").length, 0);
  });
});

test("hard-clipped speech on a call (twice too loud, 18% of samples cut flat) is still recognised by a grammar", async () => {
  const clip = speechClip("cards-004.wav");
  if (!clip || !pocketsphinxInstalled()) return;
  const clipped = clip.samples.map((s) => Math.max(-8000, Math.min(8000, s * 2)));
  await withCall(PORTS, await recognising({ search: { type: "grammar", jsgf: digitsGrammar() } }), async (call) => {
    await say(call, clipped, "transcript");
    assert.equal(ofType(call.events, "transcript").map((t) => t.text), ["five five"]);
    assert.is(ofType(call.events, "asr.error").length, 0);
  });
});

test("an 8 kHz call reaches the 16 kHz engine resampled (20 ms = 320 samples per write) and is recognised", async () => {
  const clip = speechClip("librivox-0880.wav");
  if (!clip || !pocketsphinxInstalled()) return;
  const real = await engine();
  const writes: number[] = [];
  // The real engine, with every write's length noted.
  const noting: AsrEngine = {
    name: real.name,
    sampleRate: real.sampleRate,
    close: () => Promise.resolve(),
    open: async (options) => {
      const stream = await real.open(options);
      return { ...stream, write: (samples) => (writes.push(samples.length), stream.write(samples)) };
    },
  };
  await withCall(PORTS, (server) => server.use(vad, { minSilenceMs: 300 }).use(createAsrPlugin(noting)), async (call) => {
    assert.is(call.session.info.sampleRate, 8000);
    await say(call, clip.samples, "transcript");
    const text = ofType(call.events, "transcript").map((t) => t.text).join(" ");
    assert.ok(writes.length > 100 && writes.every((n) => n === 320), `writes of ${[...new Set(writes)].join(", ")} samples`);
    assert.ok(wordErrorRate([{ reference: clip.transcript, hypothesis: text }]) <= 0.5, `"${text}"`);
  });
});

test("a 10-minute monologue is cut into maxUtteranceMs pieces, all of its audio transcribed once, faster than real time", async () => {
  const clips = speechClips();
  if (!clips) return;
  const speech = concatSamples(...clips.map((c) => c.samples));
  const fanout = new AudioFanout(16000);
  const events: SessionEvent[] = [];
  const session = new CallSession(
    { id: "monologue", transport: "test", codec: "l16", sampleRate: 16000, startedAt: Date.now(), metadata: {} },
    fanout,
    { publish: () => {}, ended: () => {}, sourceError: () => {}, failed: () => {} },
    16000,
    320,
  );
  const work = transcribeTurns(session, countingEngine(), { search: { type: "dictation" }, preRollMs: 0, maxUtteranceMs: 45000 }).subscribe((event) => {
    if (event) events.push({ ...event, sessionId: session.id, ts: 0, source: "asr" } as SessionEvent);
  });
  const minutes = 10;
  const frames = (minutes * 60 * 1000) / 20;
  session.emit({ type: "vad.speech_start", startMs: 0, detectedMs: 60 });
  for (let n = 0; n < frames; n++) {
    const at = (n * 320) % (speech.length - 320);
    fanout.push(speech.slice(at, at + 320), 16000, n * 20);
    // Let the engine's promises run now and then, as the event loop would between packets.
    if (n % 500 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const endMs = frames * 20;
  session.emit({ type: "turn.end", startMs: 0, endMs, durationMs: endMs, speechMs: endMs, silenceMs: 0, segments: 1, reason: "end_of_stream" });
  // 600 s in 45 s pieces: 13 cut at the limit, and the last 15 s ended by the turn.
  await waitFor(() => ofType(events, "transcript").length >= 14, 5000, "14 transcripts");
  work.unsubscribe();
  const transcripts = ofType(events, "transcript");
  assert.is(transcripts.length, 14);
  assert.equal(transcripts.map((t) => t.endpoint), [...Array(13).fill("max_duration"), "turn_end"]);
  assert.is(transcripts.reduce((sum, t) => sum + Number.parseInt(t.text), 0), minutes * 60 * 1000);
});

test("an engine that crashes mid-call gives asr.error on that call; both calls go on and the engine restarts for new utterances", async () => {
  const question = speechClip("librivox-0880.wav");
  const answer = speechClip("goforward.wav");
  if (!question || !answer || !pocketsphinxInstalled()) return;
  const recognizer = await createPocketsphinxEngine({ workers: 1 });
  try {
    await withServer(PORTS, (server) => server.use(vad, { minSilenceMs: 300 }).use(createAsrPlugin(recognizer)), async (server) => {
      const a = await openCall(server);
      const b = await openCall(server);
      try {
        await a.peer.sendSilence(400);
        const speaking = a.peer.send(question.samples, 16000);
        await waitFor(() => ofType(a.events, "vad.speech_start").length > 0, 5000, "call A speaking");
        await recognizer.terminateWorkers();
        await speaking;
        await a.peer.sendSilence(800);
        await waitFor(() => ofType(a.events, "asr.error").length > 0, 5000, "asr.error on call A");
        assert.is(ofType(a.events, "asr.error")[0]!.reason, "engine_crashed");
        await say(b, answer.samples, "transcript");
        assert.ok(heard(ofType(b.events, "transcript")[0]!.text, answer.transcript));
        await say(a, answer.samples, "transcript");
        assert.ok(heard(ofType(a.events, "transcript").at(-1)!.text, answer.transcript));
        assert.ok(server.session(a.session.id) && server.session(b.session.id), "both calls are still up");
        assert.is(recognizer.stats().workers, 1, "one new worker");
      } finally {
        await a.peer.close();
        await b.peer.close();
      }
    });
  } finally {
    await recognizer.close();
  }
});

/** Forces a full garbage collection where the runtime allows it (Node: by V8 flag); false where it does not (Deno without --v8-flags=--expose-gc). */
function collectGarbage(): boolean {
  try {
    setFlagsFromString("--expose-gc");
    const gc = (globalThis as { gc?: () => void }).gc ?? (runInNewContext("gc") as () => void);
    gc();
    gc();
    return true;
  } catch {
    return false;
  }
}

test("100 recognised calls leave nothing behind: sessions, engine streams, remembered lines and workers back to baseline, heap flat", async () => {
  const clip = speechClip("cards-004.wav");
  if (!clip || !pocketsphinxInstalled()) return;
  const recognizer = await engine();
  const search = { type: "grammar" as const, jsgf: digitsGrammar() };
  const CALLS = 100;
  const WARM_UP = 20;
  const AT_ONCE = 4;
  const heap: number[] = [];
  await withServer(PORTS, (server) => server.use(vad, { minSilenceMs: 300 }).use(createAsrPlugin(recognizer), { search }), async (server) => {
    const before = recognizer.stats();
    let next = 0;
    let recognised = 0;
    const run = async (count: number) => {
      await Promise.all(Array.from({ length: AT_ONCE }, async () => {
        while (next < count) {
          next++;
          const call = await openCall(server);
          try {
            await say(call, clip.samples, "transcript");
            if (ofType(call.events, "transcript")[0]!.text === "five five") recognised++;
            await call.session.hangup("done");
          } finally {
            await call.peer.close();
          }
        }
      }));
    };
    await run(WARM_UP);
    if (collectGarbage()) heap.push(process.memoryUsage().heapUsed);
    await run(CALLS);
    await waitFor(() => server.sessions().length === 0 && recognizer.stats().streams === 0, 5000, "every call and stream gone");
    const after = recognizer.stats();
    assert.equal({ streams: after.streams, channels: after.channels }, { streams: before.streams, channels: before.channels });
    assert.ok(after.workers <= 2, `${after.workers} workers`);
    assert.ok(recognised >= CALLS * 0.9, `${recognised} of ${CALLS} calls heard "five five"`);
  });
  if (heap.length === 1 && collectGarbage()) {
    const growthMb = (process.memoryUsage().heapUsed - heap[0]!) / 1e6;
    console.log(`  heap after GC: ${(heap[0]! / 1e6).toFixed(1)} MB after ${WARM_UP} calls, ${growthMb >= 0 ? "+" : ""}${growthMb.toFixed(1)} MB after ${CALLS - WARM_UP} more`);
    assert.ok(growthMb < 5, `heap grew ${growthMb.toFixed(1)} MB over ${CALLS - WARM_UP} calls`);
  } else {
    console.log("  heap not measured: this runtime does not let the test force a garbage collection (counts checked only)");
  }
});

test.after(async () => {
  await (await shared?.catch(() => undefined))?.close();
});

test.run();
