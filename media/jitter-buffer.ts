/**
 * Adaptive jitter buffer for RTP audio: puts packets back in sequence order and turns every gap
 * into explicit "lost" entries the decoder conceals. Packets that arrive in order leave at once,
 * with no playout delay; only packets behind a gap wait, and at most `targetDelayMs`, which follows
 * how late reordered packets have actually been arriving.
 *
 *   const buffer = new JitterBuffer<Uint8Array>({ maxDelayMs: 40 }, {
 *     packet: (seq, rtpTimestamp, payload) => emit(decoder.decode(payload)),
 *     lost: (seq, rtpTimestamp) => emit(decoder.conceal(samplesPerPacket)),
 *   });
 *   buffer.push(packet.sequenceNumber, packet.timestamp, packet.payload, performance.now());
 *   buffer.tick(performance.now()); // from the shared 20 ms timer
 */
import { seqDiff16, timestampDiff32 } from "./sequence.ts";

/**
 * What `push` did with a packet: `late` arrived after its sequence number was released as lost,
 * `too_old` lies outside the acceptance window (see `JitterBuffer`) and was dropped.
 */
export type PushResult = "accepted" | "duplicate" | "late" | "too_old";

/** Receives what a `JitterBuffer` releases: one call per sequence number, strictly in order. */
export interface JitterSink<T> {
  /** A packet that arrived in time; `seq` is the extended (non-wrapping) sequence number. */
  packet(seq: number, rtpTimestamp: number, payload: T): void;
  /** A sequence number given up as lost; `rtpTimestamp` is interpolated between its neighbours. */
  lost(seq: number, rtpTimestamp: number): void;
}

/** Tuning of a `JitterBuffer`. */
export interface JitterBufferOptions {
  /** Longest a packet may wait behind a gap, in ms (default 40). */
  readonly maxDelayMs?: number;
  /** Shortest wait the adaptation may choose, in ms (default 0). */
  readonly minDelayMs?: number;
  /**
   * Span of sequence numbers the buffer can hold, rounded up to a power of two (default 256);
   * when a packet lands further ahead, the oldest missing ones are declared lost at once.
   */
  readonly maxPackets?: number;
}

/** Counters of a `JitterBuffer` since it was created, cheap to read for metrics. */
export interface JitterBufferStats {
  /** Packets pushed, whatever became of them. */
  received: number;
  /** Packets handed to the sink. */
  released: number;
  /** Sequence numbers handed to the sink as lost. */
  lost: number;
  /** Packets that arrived after their sequence number was released as lost. */
  late: number;
  /** Second copies of a packet that was already held or released. */
  duplicate: number;
  /** Packets that filled a gap in time, so were put back in order. */
  reordered: number;
  /** Packets dropped as outside the acceptance window. */
  tooOld: number;
  /** Restarts of the sequence after the sender jumped (see `JitterBuffer`). */
  resets: number;
}

/** How far behind the next expected sequence number a packet is still classified (late or duplicate). */
const MAX_MISORDER = 1000;
/** How far ahead a packet is still taken as part of the stream (RFC 3550 A.1 MAX_DROPOUT). */
const MAX_DROPOUT = 3000;
/** Released sequence numbers remembered to tell late packets from duplicates; a power of two above MAX_MISORDER. */
const HISTORY_SIZE = 1024;
/** Marks a ring slot with no packet in it. */
const EMPTY = -1;

/**
 * Reorders RTP packets of one stream and reports each sequence number exactly once, in order, as a
 * packet or as lost. The payload type `T` is opaque to the buffer.
 *
 * Policy:
 * - the next expected packet is released on arrival; packets behind a gap wait until the gap
 *   fills or the gap has been open (since a later packet revealed it) for `targetDelayMs`, then
 *   the missing numbers are released as lost and the waiting packets follow;
 * - packets up to 1000 behind are `late` or `duplicate`; packets more than 1000 behind or 3000 or
 *   more ahead are `too_old` and dropped, unless one directly follows the previous such packet:
 *   two in sequence mean the sender restarted its numbering (RFC 3550 A.1), so the buffer releases
 *   everything it holds and continues from the second one, counting a reset. Extended sequence
 *   numbers keep increasing across a reset.
 */
export class JitterBuffer<T> {
  /** Counters since creation (read-only view). */
  readonly stats: Readonly<JitterBufferStats>;
  readonly #counters: JitterBufferStats;
  readonly #sink: JitterSink<T>;
  readonly #target: ReorderDelayTarget;
  readonly #mask: number;
  // Ring of held packets indexed by extended sequence number & mask; `#slotSeq` tells whose a slot is.
  readonly #slotSeq: Float64Array;
  readonly #slotTimestamp: Float64Array;
  readonly #slotPayload: (T | undefined)[];
  /** For a missing number between `#next` and `#highest`: when a later packet first revealed the gap. */
  readonly #gapOpenedMs: Float64Array;
  /** For a released number: NaN if released as a packet, else when its gap opened (to time late arrivals). */
  readonly #releasedHistory: Float64Array;
  #started = false;
  /** Extended sequence number to release next. */
  #next = 0;
  /** Highest extended sequence number accepted. */
  #highest = 0;
  #held = 0;
  /** First number of the current sequence (after start or reset): nothing before it was ever released. */
  #sequenceStart = 0;
  #sequenceStartMs = 0;
  /** Last released packet, the earlier neighbour when interpolating timestamps of lost ones. */
  #lastSeq = 0;
  #lastTimestamp = 0;
  /** 16-bit number that would confirm a restart (RFC 3550 `bad_seq`), -1 if none. */
  #probationSeq16 = -1;

  /** Creates a buffer that hands what it releases to `sink`. Throws RangeError on invalid options. */
  constructor(options: JitterBufferOptions, sink: JitterSink<T>) {
    const minDelayMs = options.minDelayMs ?? 0;
    const maxDelayMs = options.maxDelayMs ?? 40;
    const maxPackets = options.maxPackets ?? 256;
    if (!(minDelayMs >= 0 && minDelayMs <= maxDelayMs && Number.isFinite(maxDelayMs))) {
      throw new RangeError(`jitter buffer delays must satisfy 0 <= minDelayMs (${minDelayMs}) <= maxDelayMs (${maxDelayMs})`);
    }
    if (!Number.isInteger(maxPackets) || maxPackets < 2 || maxPackets > 32768) {
      throw new RangeError(`jitter buffer maxPackets must be an integer in 2..32768, got ${maxPackets}`);
    }
    const capacity = 2 ** Math.ceil(Math.log2(maxPackets));
    this.#mask = capacity - 1;
    this.#slotSeq = new Float64Array(capacity).fill(EMPTY);
    this.#slotTimestamp = new Float64Array(capacity);
    this.#slotPayload = new Array<T | undefined>(capacity).fill(undefined);
    this.#gapOpenedMs = new Float64Array(capacity);
    this.#releasedHistory = new Float64Array(HISTORY_SIZE);
    this.#target = new ReorderDelayTarget(minDelayMs, maxDelayMs);
    this.#sink = sink;
    this.#counters = { received: 0, released: 0, lost: 0, late: 0, duplicate: 0, reordered: 0, tooOld: 0, resets: 0 };
    this.stats = this.#counters;
  }

  /** How long a packet behind a gap currently waits for the gap to fill, in ms. */
  get targetDelayMs(): number {
    return this.#target.delayMs;
  }

  /** Number of packets waiting behind a gap. */
  get held(): number {
    return this.#held;
  }

  /** Offers one packet (16-bit sequence number, 32-bit RTP timestamp) arriving at `nowMs`; releases whatever it makes ready. */
  push(seq16: number, rtpTimestamp: number, payload: T, nowMs: number): PushResult {
    this.#counters.received++;
    if (!this.#started) this.#startAt(seq16 & 0xffff, nowMs);
    const delta = seqDiff16(seq16, this.#next);
    if (delta < -MAX_MISORDER || delta >= MAX_DROPOUT) return this.#outsideWindow(seq16, rtpTimestamp, payload, nowMs);
    const seq = this.#next + delta;
    if (delta < 0) return this.#behind(seq, nowMs);
    if (delta === 0 && this.#held === 0) {
      this.#highest = seq;
      this.#releasePacket(seq, rtpTimestamp, payload);
      return "accepted";
    }
    const mask = this.#mask;
    const slot = seq & mask;
    if (this.#slotSeq[slot] === seq) {
      this.#counters.duplicate++;
      return "duplicate";
    }
    if (delta > mask) this.#makeRoomFor(seq, rtpTimestamp, nowMs);
    if (seq > this.#highest) {
      for (let missing = Math.max(this.#highest + 1, this.#next); missing < seq; missing++) {
        this.#gapOpenedMs[missing & mask] = nowMs;
      }
      this.#highest = seq;
    } else {
      this.#counters.reordered++;
      this.#target.observe(nowMs - this.#gapOpenedMs[slot]!, nowMs);
    }
    this.#slotSeq[slot] = seq;
    this.#slotTimestamp[slot] = rtpTimestamp;
    this.#slotPayload[slot] = payload;
    this.#held++;
    this.#releaseDue(nowMs, this.#target.update(nowMs));
    return "accepted";
  }

  /** Releases packets whose gap has waited long enough; call it periodically (the shared 20 ms timer) when no packets arrive. */
  tick(nowMs: number): void {
    const waitMs = this.#target.update(nowMs);
    if (this.#held > 0) this.#releaseDue(nowMs, waitMs);
  }

  /** Releases everything held now, gaps between held packets as lost (end of stream). */
  flush(): void {
    // At the end of time every gap is overdue.
    this.#releaseDue(Number.POSITIVE_INFINITY, 0);
  }

  #startAt(seq: number, nowMs: number): void {
    this.#started = true;
    this.#next = seq;
    this.#highest = seq - 1;
    this.#sequenceStart = seq;
    this.#sequenceStartMs = nowMs;
    this.#probationSeq16 = -1;
  }

  #behind(seq: number, nowMs: number): PushResult {
    // Before the sequence start nothing was released; its gap opened when the first packet came.
    let gapOpenedMs = this.#sequenceStartMs;
    if (seq >= this.#sequenceStart) {
      const index = seq & (HISTORY_SIZE - 1);
      gapOpenedMs = this.#releasedHistory[index]!;
      if (Number.isNaN(gapOpenedMs)) {
        this.#counters.duplicate++;
        return "duplicate";
      }
      this.#releasedHistory[index] = Number.NaN; // a second copy of this late packet is a duplicate
    }
    this.#counters.late++;
    this.#target.observeLate(nowMs - gapOpenedMs, nowMs);
    return "late";
  }

  #outsideWindow(seq16: number, rtpTimestamp: number, payload: T, nowMs: number): PushResult {
    if ((seq16 & 0xffff) !== this.#probationSeq16) {
      this.#probationSeq16 = (seq16 + 1) & 0xffff;
      this.#counters.tooOld++;
      return "too_old";
    }
    this.flush();
    this.#counters.resets++;
    // Continue forward from where the old sequence ended, so released numbers keep increasing.
    const seq = this.#next + ((seq16 - this.#next) & 0xffff);
    this.#startAt(seq, nowMs);
    this.#highest = seq;
    this.#releasePacket(seq, rtpTimestamp, payload);
    return "accepted";
  }

  /** Releases from the head while the head packet is there or its gap has been open `waitMs` at `nowMs`. */
  #releaseDue(nowMs: number, waitMs: number): void {
    const mask = this.#mask;
    while (this.#held > 0) {
      const slot = this.#next & mask;
      if (this.#slotSeq[slot] === this.#next) {
        this.#releaseSlot(slot);
        continue;
      }
      if (nowMs - this.#gapOpenedMs[slot]! < waitMs) return;
      const following = this.#firstHeldAfterNext();
      this.#releaseLostUntil(following, following, this.#slotTimestamp[following & mask]!, nowMs);
    }
  }

  /** Advances the head, without waiting, until `seq` fits in the ring. */
  #makeRoomFor(seq: number, rtpTimestamp: number, nowMs: number): void {
    const mask = this.#mask;
    const end = seq - mask;
    while (this.#next < end) {
      const slot = this.#next & mask;
      if (this.#slotSeq[slot] === this.#next) {
        this.#releaseSlot(slot);
      } else if (this.#held > 0) {
        const following = this.#firstHeldAfterNext();
        this.#releaseLostUntil(Math.min(following, end), following, this.#slotTimestamp[following & mask]!, nowMs);
      } else {
        this.#releaseLostUntil(end, seq, rtpTimestamp, nowMs);
      }
    }
  }

  /** Extended number of the first held packet after `#next`; only called while something is held. */
  #firstHeldAfterNext(): number {
    let seq = this.#next + 1;
    while (this.#slotSeq[seq & this.#mask] !== seq) seq++;
    return seq;
  }

  /** Releases `#next` up to (not including) `end` as lost, timestamps interpolated towards the packet at `followingSeq`. */
  #releaseLostUntil(end: number, followingSeq: number, followingTimestamp: number, nowMs: number): void {
    const fromSeq = this.#lastSeq;
    const fromTimestamp = this.#lastTimestamp;
    const ticksPerSeq = timestampDiff32(followingTimestamp, fromTimestamp) / (followingSeq - fromSeq);
    for (let seq = this.#next; seq < end; seq++) {
      // Numbers above `#highest` are revealed only by the packet arriving now.
      const gapOpenedMs = seq > this.#highest ? nowMs : this.#gapOpenedMs[seq & this.#mask]!;
      this.#releasedHistory[seq & (HISTORY_SIZE - 1)] = gapOpenedMs;
      this.#next = seq + 1;
      this.#counters.lost++;
      this.#sink.lost(seq, (fromTimestamp + Math.round(ticksPerSeq * (seq - fromSeq))) >>> 0);
    }
  }

  #releaseSlot(slot: number): void {
    const payload = this.#slotPayload[slot] as T;
    this.#slotPayload[slot] = undefined;
    this.#slotSeq[slot] = EMPTY;
    this.#held--;
    this.#releasePacket(this.#next, this.#slotTimestamp[slot]!, payload);
  }

  #releasePacket(seq: number, rtpTimestamp: number, payload: T): void {
    this.#releasedHistory[seq & (HISTORY_SIZE - 1)] = Number.NaN;
    this.#next = seq + 1;
    this.#lastSeq = seq;
    this.#lastTimestamp = rtpTimestamp;
    this.#counters.released++;
    this.#sink.packet(seq, rtpTimestamp, payload);
  }
}

/** Share of reorder delays the target aims to cover. */
const PERCENTILE = 0.95;
/** Added to the percentile so a packet arriving exactly as late as the percentile still makes it. */
const MARGIN_MS = 2;
/** Half-life of a reorder observation's weight: old network behaviour is forgotten. */
const EVIDENCE_HALF_LIFE_MS = 5000;
/**
 * Total weight below which the observations are forgotten and the network counts as calm (a
 * single observation lasts about 22 s), so a calm stream costs nothing.
 */
const NEGLIGIBLE_WEIGHT = 0.05;
/** How fast the target may fall, in ms per ms: it rises at once, it comes down slowly (2 ms per second). */
const FALL_RATE = 0.002;

/**
 * The adaptive wait: a high percentile of how long gaps took to fill, from an exponentially
 * decaying histogram (1 ms bins), plus a margin, clamped to [min, max]. It rises at once and falls
 * at `FALL_RATE`, towards the minimum once the observations have decayed away.
 */
class ReorderDelayTarget {
  readonly #minMs: number;
  readonly #maxMs: number;
  /** Decayed count of observed reorder delays per 1 ms bin (bin i holds delays in (i-1, i]); the last bin also holds longer ones. */
  readonly #weights: Float64Array;
  #totalWeight = 0;
  #delayMs: number;
  #decayedAtMs = 0;
  #updatedAtMs = 0;

  constructor(minMs: number, maxMs: number) {
    this.#minMs = minMs;
    this.#maxMs = maxMs;
    this.#delayMs = minMs;
    this.#weights = new Float64Array(Math.ceil(maxMs) + 1);
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  /** Records that a gap took `delayMs` to fill. */
  observe(delayMs: number, nowMs: number): void {
    this.#decay(nowMs);
    const bin = Math.min(this.#weights.length - 1, Math.max(0, Math.ceil(delayMs)));
    this.#weights[bin]! += 1;
    this.#totalWeight += 1;
    this.update(nowMs);
  }

  /** Records a packet that came `delayMs` after its gap opened, too late: the target covers it at once. */
  observeLate(delayMs: number, nowMs: number): void {
    this.observe(delayMs, nowMs);
    this.#delayMs = Math.max(this.#delayMs, this.#clamp(Math.ceil(delayMs) + MARGIN_MS));
  }

  /** Moves the target towards the current percentile and returns it. */
  update(nowMs: number): number {
    if (this.#totalWeight === 0 && this.#delayMs === this.#minMs) {
      this.#updatedAtMs = nowMs;
      return this.#delayMs;
    }
    this.#decay(nowMs);
    const goal = this.#percentileGoal();
    const elapsedMs = Math.max(0, nowMs - this.#updatedAtMs);
    this.#updatedAtMs = nowMs;
    this.#delayMs = goal >= this.#delayMs ? goal : Math.max(goal, this.#delayMs - FALL_RATE * elapsedMs);
    return this.#delayMs;
  }

  #decay(nowMs: number): void {
    const elapsedMs = nowMs - this.#decayedAtMs;
    if (!(elapsedMs > 0)) return;
    this.#decayedAtMs = nowMs;
    if (this.#totalWeight === 0) return;
    const factor = 2 ** (-elapsedMs / EVIDENCE_HALF_LIFE_MS);
    this.#totalWeight *= factor;
    if (this.#totalWeight < NEGLIGIBLE_WEIGHT) {
      this.#weights.fill(0);
      this.#totalWeight = 0;
      return;
    }
    for (let bin = 0; bin < this.#weights.length; bin++) this.#weights[bin]! *= factor;
  }

  #percentileGoal(): number {
    const weights = this.#weights;
    const threshold = PERCENTILE * this.#totalWeight;
    let cumulative = weights[0]!;
    let bin = 0;
    while (cumulative < threshold && bin < weights.length - 1) cumulative += weights[++bin]!;
    return this.#clamp(bin === 0 ? 0 : bin + MARGIN_MS);
  }

  #clamp(delayMs: number): number {
    return Math.min(this.#maxMs, Math.max(this.#minMs, delayMs));
  }
}
