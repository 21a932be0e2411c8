import { suite } from "uvu";
import * as assert from "uvu/assert";
import { JitterBuffer } from "./jitter-buffer.ts";
import type { JitterBufferOptions, PushResult } from "./jitter-buffer.ts";
import { createRng } from "./signal-test-utils.ts";

const jitter = suite("jitter-buffer");

/** One thing the buffer released, with the time of the call that released it. */
interface Released {
  readonly kind: "packet" | "lost";
  readonly seq: number;
  readonly rtpTimestamp: number;
  readonly payload?: number;
  readonly atMs: number;
}

const TICKS_PER_PACKET = 160;

/** Drives a buffer of 20 ms packets whose payload is the packet's index in the stream (so `seq - firstSeq`). */
class Harness {
  readonly released: Released[] = [];
  readonly buffer: JitterBuffer<number>;
  nowMs = 0;

  constructor(options: JitterBufferOptions = {}, readonly firstSeq = 1000, readonly firstTimestamp = 5000) {
    this.buffer = new JitterBuffer<number>(options, {
      packet: (seq, rtpTimestamp, payload) => this.released.push({ kind: "packet", seq, rtpTimestamp, payload, atMs: this.nowMs }),
      lost: (seq, rtpTimestamp) => this.released.push({ kind: "lost", seq, rtpTimestamp, atMs: this.nowMs }),
    });
  }

  /** Pushes the packet at `index` in the stream, arriving at `atMs`. */
  push(index: number, atMs: number): PushResult {
    this.nowMs = atMs;
    const timestamp = (this.firstTimestamp + index * TICKS_PER_PACKET) >>> 0;
    return this.buffer.push((this.firstSeq + index) & 0xffff, timestamp, index, atMs);
  }

  tick(atMs: number): void {
    this.nowMs = atMs;
    this.buffer.tick(atMs);
  }

  /** The released items as compact strings: `p3` for the packet at index 3, `L3` for index 3 lost. */
  summary(): string[] {
    return this.released.map((item) => `${item.kind === "packet" ? "p" : "L"}${item.seq - this.firstSeq}`);
  }
}

jitter("releases every in-order packet during its own push, with no added delay", () => {
  const h = new Harness();
  for (let i = 0; i < 500; i++) {
    assert.is(h.push(i, i * 20), "accepted");
    assert.is(h.released.length, i + 1);
    assert.equal(h.released[i], { kind: "packet", seq: 1000 + i, rtpTimestamp: 5000 + i * 160, payload: i, atMs: i * 20 });
    h.tick(i * 20 + 10);
  }
  assert.is(h.buffer.held, 0);
  assert.equal({ ...h.buffer.stats }, { received: 500, released: 500, lost: 0, late: 0, duplicate: 0, reordered: 0, tooOld: 0, resets: 0 });
});

jitter("puts a swapped pair back in order without loss when the target covers the swap", () => {
  const h = new Harness({ minDelayMs: 20 });
  h.push(0, 0);
  assert.is(h.push(2, 20), "accepted");
  assert.equal(h.summary(), ["p0"], "packet 2 waits for 1");
  assert.is(h.buffer.held, 1);
  h.push(1, 25);
  assert.equal(h.summary(), ["p0", "p1", "p2"]);
  assert.equal(h.released.map((item) => item.atMs), [0, 25, 25]);
  assert.is(h.buffer.stats.reordered, 1);
  assert.is(h.buffer.stats.lost, 0);
});

jitter("releases a missing packet as lost once its gap has waited the target delay, then the rest in order", () => {
  const h = new Harness({ minDelayMs: 20, maxDelayMs: 20 });
  h.push(0, 0);
  h.push(1, 20);
  h.push(3, 60); // reveals the gap at 2
  h.tick(70);
  h.tick(79.9);
  assert.equal(h.summary(), ["p0", "p1"]);
  h.tick(80);
  assert.equal(h.summary(), ["p0", "p1", "L2", "p3"]);
  assert.equal(h.released[2], { kind: "lost", seq: 1002, rtpTimestamp: 5000 + 2 * 160, atMs: 80 });
  h.push(4, 80);
  h.push(5, 100);
  assert.equal(h.summary(), ["p0", "p1", "L2", "p3", "p4", "p5"]);
  assert.equal(h.released.slice(4).map((item) => item.atMs), [80, 100], "packets after the loss are not delayed");
  assert.is(h.buffer.stats.lost, 1);
});

jitter("declares an overdue gap lost when the next packet arrives, without waiting for a tick", () => {
  const h = new Harness({ minDelayMs: 20, maxDelayMs: 20 });
  h.push(0, 0);
  h.push(2, 20);
  h.push(3, 45);
  assert.equal(h.summary(), ["p0", "L1", "p2", "p3"]);
  assert.is(h.released[1]!.atMs, 45);
});

jitter("interpolates the timestamps of a run of lost packets between its neighbours, across the 32-bit wrap", () => {
  const h = new Harness({}, 7, 0xffffff00);
  h.push(0, 0);
  h.push(4, 80);
  assert.equal(h.summary(), ["p0", "L1", "L2", "L3", "p4"]);
  assert.equal(h.released.map((item) => item.rtpTimestamp), [0xffffff00, 0xffffffa0, 0x40, 0xe0, 0x180]);
});

jitter("counts and drops duplicates, whether the original is held or already released", () => {
  const h = new Harness({ minDelayMs: 20 });
  h.push(0, 0);
  h.push(1, 20);
  assert.is(h.push(1, 21), "duplicate");
  h.push(3, 60);
  assert.is(h.push(3, 61), "duplicate");
  h.push(2, 62);
  assert.is(h.push(0, 63), "duplicate");
  assert.equal(h.summary(), ["p0", "p1", "p2", "p3"]);
  assert.is(h.buffer.stats.duplicate, 3);
  assert.is(h.buffer.stats.received, 7);
});

jitter("counts a packet arriving after its loss was declared as late, and raises the target delay to cover it", () => {
  const h = new Harness();
  assert.is(h.buffer.targetDelayMs, 0);
  h.push(0, 0);
  h.push(2, 20); // with a target of 0 the gap is given up at once
  assert.equal(h.summary(), ["p0", "L1", "p2"]);
  assert.is(h.push(1, 26), "late");
  assert.is(h.buffer.stats.late, 1);
  assert.ok(h.buffer.targetDelayMs >= 6, `target ${h.buffer.targetDelayMs} ms covers the 6 ms the packet needed`);
  assert.is(h.push(1, 27), "duplicate", "a second copy of the late packet is a duplicate");
  h.push(3, 40);
  h.push(5, 60);
  h.push(4, 65); // the same swap again is now put back in order
  assert.equal(h.summary(), ["p0", "L1", "p2", "p3", "p4", "p5"]);
  assert.is(h.buffer.stats.lost, 1);
});

jitter("treats packets reordered before the very first one as late", () => {
  const h = new Harness();
  h.push(1, 0);
  assert.is(h.push(0, 4), "late");
  assert.ok(h.buffer.targetDelayMs >= 4);
  assert.equal(h.summary(), ["p1"]);
});

jitter("keeps the target delay at the minimum under in-order traffic", () => {
  for (const minDelayMs of [0, 5]) {
    const h = new Harness({ minDelayMs });
    for (let i = 0; i < 10_000; i++) {
      h.push(i, i * 20);
      h.tick(i * 20 + 10);
      if (h.buffer.targetDelayMs !== minDelayMs) assert.unreachable(`target ${h.buffer.targetDelayMs} ms at packet ${i}`);
    }
  }
});

jitter("lets the target fall back to the minimum slowly once the network is calm", () => {
  const h = new Harness();
  h.push(0, 0);
  h.push(2, 20);
  h.push(1, 30); // late by 10 ms
  const raised = h.buffer.targetDelayMs;
  assert.ok(raised >= 10);
  const targets: number[] = [];
  for (let index = 3; index * 20 <= 60_000; index++) {
    h.push(index, index * 20);
    h.tick(index * 20 + 10);
    targets.push(h.buffer.targetDelayMs);
  }
  assert.is(targets[50], raised, "one second of calm does not lower it");
  assert.is(targets.at(-1), 0);
  const steepest = Math.max(...targets.slice(1).map((target, i) => targets[i]! - target));
  assert.ok(steepest > 0 && steepest <= 0.05, `fell by up to ${steepest} ms in 20 ms`);
});

jitter("raises the target above the minimum as soon as a reorder needed nearly all of it", () => {
  const h = new Harness({ minDelayMs: 10 });
  h.push(0, 0);
  h.push(2, 20);
  h.push(1, 29); // 9 ms behind, in time
  assert.is(h.buffer.stats.reordered, 1);
  assert.is(h.buffer.targetDelayMs, 11, "9 ms plus a 2 ms margin");
});

jitter("keeps the target up while reordering goes on, so recurring swaps stay lossless", () => {
  const h = new Harness();
  h.push(0, 0);
  h.push(2, 20);
  h.push(1, 28); // late by 8 ms: the only loss
  for (let index = 3; index < 6000; index++) {
    // every 10th packet is overtaken by its successor and arrives 8 ms after it
    if (index % 10 === 5) continue;
    h.push(index, index * 20);
    if (index % 10 === 6) h.push(index - 1, index * 20 + 8);
    h.tick(index * 20 + 10);
  }
  assert.is(h.buffer.stats.reordered, 600);
  assert.is(h.buffer.stats.late, 1);
  assert.is(h.buffer.stats.lost, 1);
  assert.ok(h.buffer.targetDelayMs >= 8, `target ${h.buffer.targetDelayMs} ms`);
});

jitter("never lets the target delay exceed maxDelayMs under heavy jitter", () => {
  const rng = createRng(7);
  const h = new Harness();
  const arrivals = Array.from({ length: 3000 }, (_, i) => ({ index: i, atMs: i * 20 + (i === 0 ? 0 : rng() * 300) }));
  arrivals.sort((a, b) => a.atMs - b.atMs);
  let highest = 0;
  for (const { index, atMs } of arrivals) {
    h.push(index, atMs);
    highest = Math.max(highest, h.buffer.targetDelayMs);
  }
  assert.ok(highest <= 40, `target reached ${highest} ms`);
  assert.is(h.buffer.targetDelayMs, 40, "such jitter drives it to the maximum");
});

jitter("handles the 65535 -> 0 wrap, with packets reordered across it", () => {
  const h = new Harness({ minDelayMs: 20 }, 65530);
  // indexes 5 and 6 carry sequence numbers 65535 and 0
  for (const index of [0, 1, 2, 3, 4, 6, 5, 7, 9, 8, 10, 11]) h.push(index, index * 20 + (index % 2) * 5);
  assert.equal(h.summary(), Array.from({ length: 12 }, (_, i) => `p${i}`));
  assert.equal(h.released.map((item) => item.seq), Array.from({ length: 12 }, (_, i) => 65530 + i));
  assert.is(h.buffer.stats.reordered, 2);
});

jitter("drops a single packet far outside the window as too_old and carries on", () => {
  const h = new Harness();
  h.push(0, 0);
  assert.is(h.push(20_000, 10), "too_old");
  assert.is(h.push(-1500, 15), "too_old");
  h.push(1, 20);
  h.push(2, 40);
  assert.equal(h.summary(), ["p0", "p1", "p2"]);
  assert.is(h.buffer.stats.tooOld, 2);
  assert.is(h.buffer.stats.resets, 0);
});

jitter("restarts on a big jump confirmed by the next packet, releasing what it held first", () => {
  const h = new Harness({ minDelayMs: 20 });
  h.push(0, 0);
  h.push(2, 20); // held behind the gap at 1
  assert.is(h.push(5000, 30), "too_old");
  assert.is(h.push(5001, 40), "accepted");
  assert.is(h.push(5002, 60), "accepted");
  assert.equal(h.summary(), ["p0", "L1", "p2", "p5001", "p5002"]);
  assert.is(h.buffer.stats.resets, 1);
  assert.is(h.buffer.held, 0);
});

jitter("keeps extended sequence numbers increasing when a restart jumps backwards", () => {
  const h = new Harness({}, 40_000);
  h.push(0, 0);
  h.push(1, 20);
  h.push(-30_000, 40);
  h.push(-29_999, 60);
  h.push(-29_998, 80);
  const seqs = h.released.map((item) => item.seq);
  assert.equal(seqs, [40_000, 40_001, 75_537, 75_538]);
  assert.equal(h.released.slice(2).map((item) => item.payload), [-29_999, -29_998]);
});

jitter("declares the oldest missing packets lost at once when a packet lands beyond maxPackets", () => {
  const h = new Harness({ maxPackets: 16, minDelayMs: 20 });
  h.push(0, 0);
  h.push(20, 20);
  assert.equal(h.summary(), ["p0", "L1", "L2", "L3", "L4"]);
  h.tick(40);
  assert.equal(h.summary().length, 21);
  assert.equal(h.summary().slice(-2), ["L19", "p20"]);
});

jitter("flush releases everything held, gaps between held packets as lost", () => {
  const h = new Harness({ minDelayMs: 40 });
  h.push(0, 0);
  h.push(2, 20);
  h.push(4, 40);
  h.buffer.flush();
  assert.equal(h.summary(), ["p0", "L1", "p2", "L3", "p4"]);
  assert.is(h.buffer.held, 0);
});

jitter("rejects inconsistent options", () => {
  const sink = { packet() {}, lost() {} };
  assert.throws(() => new JitterBuffer({ minDelayMs: 50, maxDelayMs: 40 }, sink), RangeError);
  assert.throws(() => new JitterBuffer({ maxDelayMs: Number.POSITIVE_INFINITY }, sink), RangeError);
  assert.throws(() => new JitterBuffer({ maxPackets: 1.5 }, sink), RangeError);
});

jitter("releases each sequence number exactly once, in order, over 10,000 reordered, lossy, duplicated packets", () => {
  const rng = createRng(2024);
  const count = 10_000;
  const h = new Harness({}, 60_000, 0xfff00000); // wraps both sequence numbers and timestamps
  const arrivals: { index: number; atMs: number }[] = [];
  const droppedByNetwork = new Set<number>();
  for (let i = 0; i < count; i++) {
    if (i > 0 && rng() < 0.02) {
      droppedByNetwork.add(i);
      continue;
    }
    arrivals.push({ index: i, atMs: i * 20 + (i === 0 ? 0 : rng() * 30) });
    if (rng() < 0.01) arrivals.push({ index: i, atMs: i * 20 + rng() * 30 });
  }
  arrivals.sort((a, b) => a.atMs - b.atMs);

  const results = new Map<PushResult, number>();
  const lateIndexes = new Set<number>();
  let nextTickMs = 0;
  for (const { index, atMs } of arrivals) {
    for (; nextTickMs <= atMs; nextTickMs += 20) h.tick(nextTickMs);
    const result = h.push(index, atMs);
    results.set(result, (results.get(result) ?? 0) + 1);
    if (result === "late") lateIndexes.add(index);
    assert.ok(h.buffer.targetDelayMs <= 40);
  }
  h.tick(nextTickMs + 100);

  let lastReceived = count - 1;
  while (droppedByNetwork.has(lastReceived)) lastReceived--;
  assert.is(h.released.length, lastReceived + 1);
  assert.is(h.buffer.held, 0);
  h.released.forEach((item, i) => {
    if (item.seq !== 60_000 + i) assert.unreachable(`item ${i} has seq ${item.seq}`);
    if (item.rtpTimestamp !== (0xfff00000 + i * 160) >>> 0) assert.unreachable(`item ${i} has timestamp ${item.rtpTimestamp}`);
    if (item.kind === "packet" && item.payload !== i) assert.unreachable(`item ${i} carries payload ${item.payload}`);
    if (item.kind === "lost" && !droppedByNetwork.has(i) && !lateIndexes.has(i)) assert.unreachable(`packet ${i} was lost without cause`);
  });
  const stats = h.buffer.stats;
  assert.is(stats.received, arrivals.length);
  assert.is(stats.released + stats.lost, h.released.length);
  assert.is((results.get("accepted") ?? 0) + stats.duplicate + stats.late, stats.received);
  assert.is(results.get("too_old"), undefined);
  assert.is(stats.resets, 0);
  assert.ok(stats.reordered > 100, `${stats.reordered} packets were put back in order`);
  assert.ok(stats.duplicate > 50);
});

jitter.run();
