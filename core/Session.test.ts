import { map } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AudioFanout } from "./AudioFanout.ts";
import type { SessionEvent } from "./events.ts";
import { CallSession, FINISHING_GRACE_MS } from "./Session.ts";

function session() {
  const events: SessionEvent[] = [];
  const fanout = new AudioFanout(8000);
  const s = new CallSession(
    { id: "s1", transport: "test", codec: "pcmu", sampleRate: 8000, startedAt: Date.now(), metadata: {} },
    fanout,
    { publish: (event) => events.push(event), ended: () => {}, sourceError: () => {}, failed: () => {} },
    8000,
    160,
  );
  return { s, fanout, events };
}

test("shared streams are created once per key and computed once per frame for all subscribers", () => {
  const { s, fanout } = session();
  let created = 0;
  let computed = 0;
  const make = () => {
    created++;
    return s.audio(16000).pipe(map((frame) => (computed++, frame.samples.length)));
  };
  const seen: number[] = [];
  s.shared("features", make).subscribe((n) => seen.push(n));
  s.shared("features", make).subscribe((n) => seen.push(n));
  fanout.push(new Int16Array(160), 8000, 0);
  assert.is(created, 1);
  assert.is(computed, 1);
  assert.equal(seen, [320, 320]);
});

test("sent gives one frame per tick, at the rate asked: what the player sent, the short tail padded, silence when nothing; and ends with the session", async () => {
  const { s } = session();
  const sent: number[][] = [];
  let completed = false;
  s.attach({ outputRate: 8000, frameSamples: 160, sendFrame: () => {}, close: () => {} });
  s.tick(0);
  const subscription = s.sent(8000).subscribe({ next: (frame) => sent.push([frame.samples.length, frame.samples[0]!, frame.samples.at(-1)!]), complete: () => (completed = true) });
  s.play({ async *[Symbol.asyncIterator]() {
    yield { samples: new Int16Array(200).fill(5), sampleRate: 8000, timestamp: 0, seq: 0 };
  } });
  await new Promise((resolve) => setTimeout(resolve, 0));
  for (let tick = 1; tick <= 3; tick++) s.tick(tick * 20);
  assert.equal(sent, [[160, 5, 5], [160, 5, 0], [160, 0, 0]]);
  let wide = 0;
  s.sent(16000).subscribe((frame) => (wide = frame.samples.length));
  s.tick(80);
  assert.is(wide, 320);
  await s.hangup();
  assert.ok(completed);
  subscription.unsubscribe();
});

test("an event emitted in answer to another is published after it, server-wide too", () => {
  const { s, events } = session();
  s.events$.subscribe((event) => {
    if (event.type === "dtmf") s.emit({ type: "playback.mark", name: "answer" });
  });
  s.emit({ type: "dtmf", digit: "5", durationMs: 80 });
  assert.equal(events.map((event) => event.type), ["dtmf", "playback.mark"]);
});

test("emit fills the envelope; after hangup only session.ended gets through", async () => {
  const { s, events } = session();
  s.emit({ type: "dtmf", digit: "1", durationMs: 80 });
  assert.is(events[0].sessionId, "s1");
  assert.is(events[0].source, "app");
  assert.type(events[0].ts, "number");
  await s.hangup("test");
  s.emit({ type: "dtmf", digit: "2", durationMs: 80 });
  assert.equal(events.map((e) => e.type), ["dtmf", "session.ended"]);
  assert.equal((await s.closed).reason, "test");
});

test("what subscribers make of the audio's end (a flushed last utterance) is reported before session.ended", async () => {
  const { s, events } = session();
  s.audio$.subscribe({ complete: () => s.emit({ type: "playback.mark", name: "last utterance" }) });
  await s.hangup("test");
  assert.equal(events.map((e) => e.type), ["playback.mark", "session.ended"]);
});

test("hangup waits for work registered with finishing, and what it reports comes before session.ended", async () => {
  const { s, events } = session();
  s.audio$.subscribe({
    complete: () => s.finishing(new Promise<void>((resolve) => setTimeout(() => resolve(s.emit({ type: "playback.mark", name: "late result" })), 50))),
  });
  await s.hangup("test");
  assert.equal(events.map((e) => e.type), ["playback.mark", "session.ended"]);
});

test("work that a handler of `ending` registers with finishing is awaited, and what it reports comes before session.ended", async () => {
  const { s, events } = session();
  void s.ending.then(() => s.finishing(Promise.resolve().then(() => s.emit({ type: "playback.mark", name: "abandoned" }))));
  await s.hangup("test");
  assert.equal(events.map((e) => e.type), ["playback.mark", "session.ended"]);
});

test("work that never settles holds the end for FINISHING_GRACE_MS only; what it reports later is dropped", async () => {
  const { s, events } = session();
  s.finishing(new Promise(() => {}));
  s.finishing(Promise.reject(new Error("a failed result does not hold the end")));
  const started = performance.now();
  await s.hangup("test");
  const waited = performance.now() - started;
  assert.ok(waited >= FINISHING_GRACE_MS - 20 && waited < FINISHING_GRACE_MS + 1000, `${waited} ms`);
  s.emit({ type: "playback.mark", name: "too late" });
  assert.equal(events.map((e) => e.type), ["session.ended"]);
});

test.run();
