import { from, Subject } from "rxjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { AudioFrame } from "../media/frame.ts";
import { type Playback, type PlaybackResult, Player } from "./Player.ts";
import { SampleQueue } from "./SampleQueue.ts";

function frames(count: number, rate: number, value = 1000): AudioFrame[] {
  return Array.from({ length: count }, (_, i) => ({ samples: new Int16Array(rate / 50).fill(value + i), sampleRate: rate, timestamp: i * 20, seq: i }));
}

function player() {
  const log: string[] = [];
  const p = new Player(8000, 160, {
    started: (pb: Playback) => log.push(`start ${pb.id}`),
    finished: (pb: Playback, r: PlaybackResult) => log.push(`end ${pb.id} ${r.cancelled ? "cancelled" : "done"}`),
    sourceError: () => log.push("error"),
  });
  return { p, log };
}

test("SampleQueue gives fixed blocks from blocks of any size and drops the oldest past capacity", () => {
  const q = new SampleQueue(10);
  q.push(Int16Array.of(1, 2, 3));
  q.push(Int16Array.of(4, 5, 6, 7));
  assert.equal([...q.take(5)!], [1, 2, 3, 4, 5]);
  assert.is(q.take(5), null);
  q.push(Int16Array.from({ length: 10 }, (_, i) => 10 + i));
  assert.is(q.dropped, 2);
  assert.equal([...q.take(2)!], [10, 11]);
  assert.equal([...q.drain(10)].slice(0, 9), [12, 13, 14, 15, 16, 17, 18, 19, 0]);
});

test("plays an Observable source frame by frame, then finishes", async () => {
  const { p, log } = player();
  const pb = p.play(from(frames(3, 8000)));
  const out = [p.next(), p.next(), p.next(), p.next()];
  assert.equal(out.map((f) => f?.[0] ?? null), [1000, 1001, 1002, null]);
  assert.equal(await pb.done, { cancelled: false, playedMs: 60 });
  assert.is(log[0], `start ${pb.id}`);
});

test("resamples sources at other rates to the output rate", () => {
  const { p } = player();
  p.play(from(frames(2, 16000)));
  const frame = p.next();
  assert.is(frame?.length, 160);
});

test("queues playbacks in order; interrupt cancels the current and queued ones", async () => {
  const { p } = player();
  const live = new Subject<AudioFrame>();
  const first = p.play(live);
  const second = p.play(from(frames(1, 8000, 5)));
  assert.is(p.next(), null, "the live source has nothing yet");
  live.next(frames(1, 8000, 7)[0]);
  assert.is(p.next()?.[0], 7);
  const third = p.play(from(frames(1, 8000, 9)), { interrupt: true });
  assert.equal((await first.done).cancelled, true);
  assert.equal((await second.done).cancelled, true);
  assert.is(p.next()?.[0], 9);
  assert.equal((await third.done).cancelled, false);
});

test("the current playback is known with its label and progress", () => {
  const { p } = player();
  assert.is(p.current, undefined);
  p.play(from(frames(3, 8000)), { label: "Your balance is" });
  p.next();
  assert.is(p.current?.label, "Your balance is");
  assert.is(p.current?.playedMs, 20);
});

test("stopAll cancels everything at once (barge-in) and cancel() removes one", async () => {
  const { p } = player();
  const a = p.play(new Subject<AudioFrame>());
  const b = p.play(new Subject<AudioFrame>());
  b.cancel();
  assert.equal((await b.done).cancelled, true);
  assert.is(p.stopAll(), 1);
  assert.equal((await a.done).cancelled, true);
  assert.not.ok(p.playing);
});

test("an async source is read ahead only about a second, and its end finishes the playback", async () => {
  const { p } = player();
  let produced = 0;
  async function* source() {
    for (const frame of frames(200, 8000)) {
      produced++;
      yield frame;
    }
  }
  const pb = p.play(source());
  const first = p.next();
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(produced <= 60, `read ahead ${produced} frames`);
  let sent = first ? 1 : 0;
  while (p.playing) {
    if (p.next()) sent++;
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  assert.is(sent, 200);
  assert.is((await pb.done).playedMs, 4000);
});

test("a playback starts when its first audio is sent, not when its source is opened", () => {
  const { p, log } = player();
  const live = new Subject<AudioFrame>();
  const pb = p.play(live);
  assert.is(p.next(), null);
  assert.equal(log, [], "no audio yet: not started");
  live.next(frames(1, 8000)[0]);
  p.next();
  assert.equal(log, [`start ${pb.id}`]);
});

test("a paused playback sends nothing, holds the queue behind it, and resumes where it stopped", async () => {
  const { p } = player();
  const pb = p.play(from(frames(3, 8000)));
  const next = p.play(from(frames(1, 8000, 5)));
  assert.is(p.next()?.[0], 1000);
  pb.pause();
  assert.ok(pb.paused);
  assert.is(p.next(), null);
  assert.is(p.next(), null);
  assert.is(pb.playedMs, 20);
  pb.resume();
  assert.equal([p.next()?.[0], p.next()?.[0], p.next()?.[0]], [1001, 1002, 5]);
  assert.equal(await pb.done, { cancelled: false, playedMs: 60 });
  assert.equal((await next.done).cancelled, false);
});

test.run();
