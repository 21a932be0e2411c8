/**
 * RTP reception statistics for one source, as RFC 3550 defines them (6.4.1, A.3, A.8): packets
 * expected and lost, interarrival jitter, and the report block an RTCP receiver report carries.
 */
import type { RtcpReportBlock } from "./rtcp.ts";
import { timestampDiff32 } from "./sequence.ts";

/** The last sender report received from the source, which a report block refers back to for RTT. */
export interface LastSenderReport {
  /** Middle 32 bits of the SR's NTP timestamp. */
  readonly ntpMiddle32: number;
  /** When the SR arrived, in ms on the same clock as `nowMs`. */
  readonly arrivalMs: number;
}

/** Cumulative loss is a signed 24-bit field in a report block. */
const MAX_CUMULATIVE_LOST = 0x7fffff;
const MIN_CUMULATIVE_LOST = -0x800000;

/**
 * Reception statistics of one SSRC. Call `update` for every packet that passes validation,
 * duplicates included (RFC 3550 counts them, which is why cumulative loss can be negative), in
 * order of arrival; call `report` once per RTCP interval.
 */
export class ReceiveStats {
  /** The source these statistics describe. */
  readonly ssrc: number;
  #received = 0;
  /** Lowest and highest extended sequence numbers seen. */
  #baseSeq = 0;
  #highestSeq = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  /** Interarrival jitter estimate J, in timestamp units, kept fractional as in A.8's floating-point form. */
  #jitter = 0;
  #clockRate = 0;
  #lastArrivalMs = 0;
  #lastTimestamp = 0;

  /** Creates empty statistics for `ssrc`. */
  constructor(ssrc: number) {
    this.ssrc = ssrc >>> 0;
  }

  /** Records one packet: its extended sequence number, RTP timestamp, arrival time in ms, and its payload's clock rate. */
  update(extendedSeq: number, rtpTimestamp: number, arrivalMs: number, clockRate: number): void {
    if (this.#received === 0) {
      this.#baseSeq = extendedSeq;
      this.#highestSeq = extendedSeq;
    } else {
      // A packet reordered before the first one received lowers the base, rather than counting as received but not expected.
      if (extendedSeq < this.#baseSeq) this.#baseSeq = extendedSeq;
      if (extendedSeq > this.#highestSeq) this.#highestSeq = extendedSeq;
      if (clockRate === this.#clockRate) {
        // D(i-1, i) = (R_i - R_{i-1}) - (S_i - S_{i-1}), in timestamp units (A.8).
        const transitChange = ((arrivalMs - this.#lastArrivalMs) * clockRate) / 1000 -
          timestampDiff32(rtpTimestamp, this.#lastTimestamp);
        this.#jitter += (Math.abs(transitChange) - this.#jitter) / 16;
      } else {
        // Timestamps of different clocks cannot be compared: keep the jitter in time, restart the transit.
        this.#jitter = (this.#jitter * clockRate) / this.#clockRate;
      }
    }
    this.#received++;
    this.#clockRate = clockRate;
    this.#lastArrivalMs = arrivalMs;
    this.#lastTimestamp = rtpTimestamp;
  }

  /** Packets recorded, duplicates included. */
  get received(): number {
    return this.#received;
  }

  /** Packets expected: the span from the lowest to the highest extended sequence number. */
  get expected(): number {
    return this.#received === 0 ? 0 : this.#highestSeq - this.#baseSeq + 1;
  }

  /** Packets lost since the start (expected - received), unclamped; negative when duplicates outnumber losses. */
  get cumulativeLost(): number {
    return this.expected - this.#received;
  }

  /** Highest extended sequence number seen. */
  get highestSeq(): number {
    return this.#highestSeq;
  }

  /** Interarrival jitter in RTP timestamp units (fractional). */
  get jitter(): number {
    return this.#jitter;
  }

  /** Interarrival jitter in ms. */
  get jitterMs(): number {
    return this.#clockRate === 0 ? 0 : (this.#jitter * 1000) / this.#clockRate;
  }

  /**
   * The report block for an RTCP SR/RR sent at `nowMs`, and the start of a new interval for
   * `fractionLost`. Pass the last SR received from this source, if any, for the sender's RTT.
   */
  report(nowMs: number, lastSr?: LastSenderReport): RtcpReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    const receivedInterval = this.#received - this.#receivedPrior;
    const lostInterval = expectedInterval - receivedInterval;
    this.#expectedPrior = expected;
    this.#receivedPrior = this.#received;
    // 8-bit fixed point, truncated as in A.3; at most 255 since a new highest packet was received.
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const cumulativeLost = Math.min(MAX_CUMULATIVE_LOST, Math.max(MIN_CUMULATIVE_LOST, this.cumulativeLost));
    // Delay since the SR in 1/65536 s, a 32-bit field.
    const delaySinceLastSr = lastSr === undefined
      ? 0
      : Math.min(0xffffffff, Math.max(0, Math.round(((nowMs - lastSr.arrivalMs) * 65536) / 1000)));
    return {
      ssrc: this.ssrc,
      fractionLost,
      cumulativeLost,
      highestSeq: this.#highestSeq >>> 0,
      jitter: Math.min(0xffffffff, Math.floor(this.#jitter)),
      lastSr: lastSr === undefined ? 0 : lastSr.ntpMiddle32 >>> 0,
      delaySinceLastSr,
    };
  }
}
