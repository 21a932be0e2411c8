import { firstValueFrom, interval, map } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { WebSocket } from "ws";
import { createServer, type EventInput, type Playback, type Session, type SessionEvent } from "../../core/mod.ts";
import { sleep, waitFor } from "../../core/testing.ts";
import { type BargeInGuardOptions, guardPlayback } from "./guard.ts";
import { DEFAULT_BACKCHANNELS } from "./plugin.ts";

const PORTS = "48600-48619";
const OPTIONS: BargeInGuardOptions = { minSpeechMs: 200, hangoverMs: 150, backchannels: DEFAULT_BACKCHANNELS, maxHoldMs: 1000, transcripts: false };

/** A tone that never ends on its own, as an endless prompt would be. */
const tone = () => interval(20).pipe(map((i) => ({ samples: new Int16Array(160).fill(3000), sampleRate: 8000, timestamp: i * 20, seq: i })));

interface Guarded {
  session: Session;
  events: SessionEvent[];
  playback: Playback;
}

async function withGuard(options: Partial<BargeInGuardOptions>, run: (call: Guarded) => Promise<void>, bargeIn = true): Promise<void> {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  await server.listen();
  try {
    const { session } = await server.rtp.open({ codec: "pcmu" });
    const events: SessionEvent[] = [];
    session.events$.subscribe((event) => events.push(event));
    const guard = guardPlayback(session, { ...OPTIONS, ...options }).subscribe((event) => session.emit({ ...event, source: "barge-in" }));
    const playback = session.play(tone(), { label: "your balance is", bargeIn });
    await waitFor(() => playback.playedMs >= 100, 2000, "the prompt plays");
    try {
      await run({ session, events, playback });
    } finally {
      guard.unsubscribe();
    }
  } finally {
    await server.close();
  }
}

/** The vad plugin's event for speech that began `alreadyMs` before it was detected, now. */
function speechStart(session: Session, alreadyMs = 60): void {
  session.emit({ type: "vad.speech_start", startMs: 1000, detectedMs: 1000 + alreadyMs, source: "vad" });
}

function find<T extends SessionEvent["type"]>(events: SessionEvent[], type: T): Extract<SessionEvent, { type: T }> | undefined {
  return events.find((event) => event.type === type) as Extract<SessionEvent, { type: T }> | undefined;
}

/** A partial or final transcript of the caller's speech that began at media time 1000. */
const partial = (text: string): EventInput => ({ type: "transcript.partial", utteranceId: "u1", text, startMs: 1000, source: "asr" });
const final = (text: string, startMs = 1000, endMs = 1500): EventInput => ({
  type: "transcript", utteranceId: "u1", text, confidence: 0.5, words: [], startMs, endMs, latencyMs: 50, engine: "test", search: "dictation", endpoint: "turn_end", source: "asr",
});

test("speech over a playback silences it at once, then cuts it off with a barge-in event", async () => {
  await withGuard({}, async ({ session, events, playback }) => {
    speechStart(session);
    assert.ok(playback.paused, "held the moment speech is detected");
    const heldAt = playback.playedMs;
    await sleep(100);
    assert.is(playback.playedMs, heldAt, "nothing more was sent while held");
    await waitFor(() => find(events, "barge-in") !== undefined, 2000, "the barge-in event");
    const event = find(events, "barge-in")!;
    assert.is(event.playbackId, playback.id);
    assert.is(event.label, "your balance is");
    assert.is(event.playedMs, heldAt);
    assert.ok(event.reactionMs >= 60 && event.reactionMs < 100, `reaction ${event.reactionMs} ms`);
    assert.ok(event.heldMs >= 200, `decided after ${event.heldMs} ms of speech`);
    assert.equal((await playback.done).cancelled, true);
    assert.is(session.nowPlaying, undefined);
  });
});

test("speech over audio played with bargeIn false (the other party of a bridge, hold music) neither holds nor cuts it", async () => {
  await withGuard({}, async ({ session, events, playback }) => {
    speechStart(session);
    assert.not.ok(playback.paused, "not held");
    await sleep(OPTIONS.minSpeechMs + OPTIONS.hangoverMs + 100);
    session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 2000, durationMs: 1000, source: "vad" });
    await sleep(50);
    assert.not.ok(playback.paused);
    assert.is(find(events, "barge-in"), undefined, "no barge-in");
    const before = playback.playedMs;
    await sleep(200);
    assert.ok(playback.playedMs > before, "it goes on playing");
  }, false);
});

test("a cough shorter than minSpeechMs lets the playback go on from where it was held", async () => {
  await withGuard({}, async ({ session, events, playback }) => {
    speechStart(session);
    const heldAt = playback.playedMs;
    session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 1120, durationMs: 120, source: "vad" });
    assert.not.ok(playback.paused);
    assert.equal(find(events, "barge-in.ignored")?.reason, "short");
    await waitFor(() => playback.playedMs > heldAt + 40, 2000, "the prompt goes on");
    await sleep(500);
    assert.is(find(events, "barge-in"), undefined);
  });
});

test("with transcripts, an uh-huh lets the playback go on and other words cut it off", async () => {
  await withGuard({ transcripts: true }, async ({ session, events, playback }) => {
    speechStart(session);
    session.emit(partial("uh huh"));
    session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 1400, durationMs: 400, source: "vad" });
    assert.equal(find(events, "barge-in.ignored")?.reason, "backchannel");
    assert.not.ok(playback.paused);
    speechStart(session);
    session.emit(partial("uh wait"));
    await waitFor(() => find(events, "barge-in") !== undefined, 2000, "the barge-in event");
    assert.is(find(events, "barge-in")!.callerText, "uh wait");
  });
});

test("a word that the next partial takes back (\"okay an\", then \"okay\") does not cut the playback off", async () => {
  await withGuard({ transcripts: true }, async ({ session, events, playback }) => {
    speechStart(session);
    session.emit(partial("okay an"));
    await sleep(100);
    session.emit(partial("okay"));
    await sleep(400);
    assert.ok(playback.paused, "still held: the content did not hold still");
    session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 1400, durationMs: 400, source: "vad" });
    assert.equal(find(events, "barge-in.ignored")?.reason, "backchannel");
    assert.is(find(events, "barge-in"), undefined);
  });
});

test("a final transcript decides at once: with words that are not backchannels, or with no words at all, the playback is cut off", async () => {
  for (const text of ["billing", ""]) {
    await withGuard({ transcripts: true, maxHoldMs: 5000 }, async ({ session, events }) => {
      speechStart(session);
      session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 1400, durationMs: 400, source: "vad" });
      await sleep(400);
      assert.is(find(events, "barge-in"), undefined, "no decision before the words");
      session.emit(final(text));
      await waitFor(() => find(events, "barge-in") !== undefined, 1000, `the barge-in event on "${text}"`);
    });
  }
});

test("once the speech has ended, the wait for its words starts afresh: a late final \"okay\" still lets the playback go on", async () => {
  await withGuard({ transcripts: true, maxHoldMs: 600 }, async ({ session, events, playback }) => {
    speechStart(session);
    await sleep(400);
    session.emit({ type: "vad.speech_end", startMs: 1000, endMs: 1400, durationMs: 400, source: "vad" });
    await sleep(400);
    assert.ok(playback.paused, "still held past maxHoldMs from the onset");
    session.emit(final("okay"));
    assert.equal(find(events, "barge-in.ignored")?.reason, "backchannel");
    assert.is(find(events, "barge-in"), undefined);
  });
});

test("the late final transcript of an earlier turn is not taken for the words of this speech", async () => {
  await withGuard({ transcripts: true, maxHoldMs: 5000 }, async ({ session, events, playback }) => {
    speechStart(session);
    session.emit(final("billing please", 0, 900));
    await sleep(500);
    assert.ok(playback.paused);
    assert.is(find(events, "barge-in"), undefined);
  });
});

test("speech with no words by maxHoldMs is cut off rather than held forever", async () => {
  await withGuard({ transcripts: true, maxHoldMs: 400 }, async ({ session, events, playback }) => {
    speechStart(session);
    await waitFor(() => find(events, "barge-in") !== undefined, 2000, "the barge-in event");
    assert.ok(find(events, "barge-in")!.heldMs >= 300);
    assert.equal((await playback.done).cancelled, true);
  });
});

test("the barge-in event carries what the caller heard of a spoken text", async () => {
  await withGuard({}, async ({ session, events, playback }) => {
    playback.done.then(({ playedMs }) => {
      session.emit({ type: "tts.finished", playbackId: playback.id, engine: "test", text: "your balance is low", cancelled: true, playedMs, spokenText: "your balance", source: "tts" });
    });
    speechStart(session);
    await waitFor(() => find(events, "barge-in") !== undefined, 2000, "the barge-in event");
    assert.is(find(events, "barge-in")!.spokenText, "your balance");
  });
});

test("speech when nothing is playing is not a barge-in", async () => {
  await withGuard({}, async ({ session, events, playback }) => {
    playback.cancel();
    await playback.done;
    speechStart(session);
    await sleep(450);
    assert.is(find(events, "barge-in"), undefined);
    assert.is(find(events, "barge-in.ignored"), undefined);
  });
});

test("a WebSocket peer is told to clear its buffered audio the moment the playback is held", async () => {
  const server = createServer({ http: { port: 0, host: "127.0.0.1" }, rtp: { ports: PORTS } });
  const { port } = await server.listen();
  const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/media-stream`);
  try {
    const events: string[] = [];
    ws.on("message", (data) => events.push(JSON.parse(String(data)).event));
    await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
    const started = firstValueFrom(server.sessions$);
    ws.send(JSON.stringify({ event: "start", start: { streamSid: "MZ1", mediaFormat: { encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1 } } }));
    const session = await started;
    const guard = guardPlayback(session, OPTIONS).subscribe((event) => session.emit(event));
    const playback = session.play(tone());
    await waitFor(() => events.includes("media"), 2000, "the prompt's audio");
    speechStart(session);
    await waitFor(() => events.includes("clear"), 100, "clear within 100 ms");
    assert.ok(playback.paused, "held, not yet cut off");
    guard.unsubscribe();
  } finally {
    ws.close();
    await server.close();
  }
});

test.run();
