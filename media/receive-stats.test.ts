import { suite } from "uvu";
import * as assert from "uvu/assert";
import { ReceiveStats } from "./receive-stats.ts";

const stats = suite("receive-stats");

/** How `feed` shapes a stream. */
interface StreamShape {
  readonly clockRate?: number;
  readonly missing?: ReadonlySet<number>;
  /** How long after its send time packet `seq` arrives, in ms. */
  readonly offsetMs?: (seq: number) => number;
  readonly firstTimestamp?: number;
}

/** Feeds 20 ms packets `fromSeq..toSeq` to `target`, as `shape` says. */
function feed(target: ReceiveStats, fromSeq: number, toSeq: number, shape: StreamShape = {}): void {
  const { clockRate = 8000, missing = new Set<number>(), offsetMs = () => 0, firstTimestamp = 0 } = shape;
  const ticksPerPacket = (clockRate * 20) / 1000;
  for (let seq = fromSeq; seq <= toSeq; seq++) {
    if (missing.has(seq)) continue;
    target.update(seq, (firstTimestamp + seq * ticksPerPacket) >>> 0, seq * 20 + offsetMs(seq), clockRate);
  }
}

/** Arrivals alternately on time and 5 ms late: every transit change is 5 ms, so J converges to 5 ms. */
const alternating = (seq: number) => (seq % 2) * 5;

stats("interarrival jitter follows J += (|D| - J) / 16 and converges to the constant transit change", () => {
  const early = new ReceiveStats(1);
  feed(early, 0, 9, { offsetMs: alternating });
  assert.ok(Math.abs(early.jitter - 40 * (1 - (15 / 16) ** 9)) < 1e-9, `J after 9 differences is ${early.jitter}`);

  const converged = new ReceiveStats(1);
  feed(converged, 0, 499, { offsetMs: alternating });
  assert.ok(Math.abs(converged.jitter - 40) < 1e-6, `J is ${converged.jitter} timestamp units`);
  assert.ok(Math.abs(converged.jitterMs - 5) < 1e-6);
  assert.is(converged.report(10_000).jitter, Math.floor(converged.jitter));
});

stats("a perfectly paced stream has zero jitter, across the 32-bit timestamp wrap", () => {
  const s = new ReceiveStats(1);
  feed(s, 0, 300, { clockRate: 48000, firstTimestamp: 0xffff0000 });
  assert.is(s.jitter, 0);
  assert.is(s.report(0).jitter, 0);
});

stats("keeps the jitter in time when the clock rate changes mid-stream", () => {
  const s = new ReceiveStats(1);
  feed(s, 0, 499, { offsetMs: alternating });
  const at48k = { clockRate: 48000, offsetMs: alternating, firstTimestamp: 7777 };
  feed(s, 500, 500, at48k);
  assert.ok(Math.abs(s.jitterMs - 5) < 1e-6, `first packet at 48 kHz: ${s.jitterMs} ms`);
  feed(s, 501, 999, at48k);
  assert.ok(Math.abs(s.jitter - 240) < 1e-6, `J is ${s.jitter} at 48 kHz`);
  assert.ok(Math.abs(s.jitterMs - 5) < 1e-6);
});

stats("fraction lost and cumulative lost match the hand computation, interval by interval", () => {
  const s = new ReceiveStats(0x1234);
  feed(s, 0, 99, { missing: new Set([10, 20, 30, 40, 50]) });
  let block = s.report(2000);
  // 100 expected, 95 received: 5 * 256 / 100 = 12.8, truncated
  assert.equal({ ...block }, {
    ssrc: 0x1234,
    fractionLost: 12,
    cumulativeLost: 5,
    highestSeq: 99,
    jitter: 0,
    lastSr: 0,
    delaySinceLastSr: 0,
  });

  const missing = new Set(Array.from({ length: 20 }, (_, i) => 100 + i * 5));
  feed(s, 100, 199, { missing });
  feed(s, 101, 102); // two duplicates
  block = s.report(4000);
  // interval: 100 expected, 82 received, 18 lost: 18 * 256 / 100 = 46.08; total 25 lost - 2 duplicates
  assert.is(block.fractionLost, 46);
  assert.is(block.cumulativeLost, 23);
  assert.is(s.expected, 200);
  assert.is(s.received, 177);

  assert.is(s.report(6000).fractionLost, 0, "an interval with nothing expected reports no loss");
  feed(s, 150, 152); // duplicates only: the interval's loss is negative, reported as 0
  block = s.report(8000);
  assert.is(block.fractionLost, 0);
  assert.is(block.cumulativeLost, 20);
});

stats("reports the extended highest sequence number with its cycles", () => {
  const s = new ReceiveStats(1);
  feed(s, 2 * 65536 + 3, 2 * 65536 + 5);
  assert.is(s.report(0).highestSeq, 0x20005);
  assert.is(s.cumulativeLost, 0);
});

stats("counts a packet reordered before the first one as expected, not as a phantom duplicate", () => {
  const s = new ReceiveStats(1);
  s.update(5, 800, 100, 8000);
  s.update(4, 640, 101, 8000);
  s.update(6, 960, 120, 8000);
  assert.is(s.expected, 3);
  assert.is(s.cumulativeLost, 0);
});

stats("clamps cumulative lost to signed 24 bits in the report block", () => {
  const s = new ReceiveStats(1);
  s.update(0, 0, 0, 8000);
  s.update(9_000_000, 160, 20, 8000);
  assert.is(s.cumulativeLost, 8_999_999);
  assert.is(s.report(40).cumulativeLost, 0x7fffff);

  const duplicated = new ReceiveStats(1);
  for (let i = 0; i <= 0x800000; i++) duplicated.update(0, 0, 0, 8000);
  assert.is(duplicated.cumulativeLost, -0x800000);
  duplicated.update(0, 0, 0, 8000);
  assert.is(duplicated.report(0).cumulativeLost, -0x800000);
});

stats("gives the last SR's middle 32 bits and the delay since it in 1/65536 s", () => {
  const s = new ReceiveStats(1);
  feed(s, 0, 10);
  const block = s.report(3500, { ntpMiddle32: 0x12345678, arrivalMs: 1000 });
  assert.is(block.lastSr, 0x12345678);
  assert.is(block.delaySinceLastSr, 2.5 * 65536);
});

stats.run();
