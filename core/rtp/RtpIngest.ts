import type { AudioDecoder } from "../../media/codec.ts";
import { JitterBuffer, type JitterSink, type PushResult } from "../../media/jitter-buffer.ts";
import { TimestampUnwrapper } from "../../media/sequence.ts";
import type { AudioFanout } from "../AudioFanout.ts";
import type { CodecSpec } from "../codecs.ts";

/** Per-transport metric children the ingest path bumps (bound once, so the hot path does no label lookups). */
export interface IngestCounters {
  received: { inc(n?: number): void };
  lost: { inc(n?: number): void };
  late: { inc(n?: number): void };
  duplicate: { inc(n?: number): void };
  tooOld: { inc(n?: number): void };
  decoded: { inc(n?: number): void };
  concealed: { inc(n?: number): void };
  corrupt: { inc(n?: number): void };
}

/**
 * Consecutive lost packets the decoder conceals (PLC or fade); after that, silence. A long outage
 * releases thousands of "lost" entries at once, and Opus PLC costs ~100 µs each.
 */
const MAX_CONCEALED = 10;

/**
 * A loss run becomes frames only as far as real time allows: its frames may run this far ahead of
 * the time since the last packet was released. A sender that jumps its sequence number by
 * thousands would otherwise buy thousands of frames (and their resampling) with one packet.
 */
const MAX_CONCEALED_AHEAD_MS = 100;
/** Shortest packet time counted against that allowance (RTP audio rarely uses less than 10 ms). */
const MIN_PACKET_MS = 10;

/**
 * The inbound half of one RTP stream: jitter buffer, then decode (or conceal) at the rate the
 * subscribers want most, then the fanout. Decoding is skipped while nobody listens.
 */
export class RtpIngest implements JitterSink<Uint8Array> {
  #buffer: JitterBuffer<Uint8Array>;
  #decoder?: AudioDecoder;
  #timestamps = new TimestampUnwrapper();
  #firstTimestamp: number | undefined;
  /** Losses in a row; past MAX_CONCEALED the decoder is not asked (its output has faded out anyway). */
  #lossRun = 0;
  /** Time of the latest push or tick, and of the latest packet released. */
  #nowMs = 0;
  #lastPacketMs = 0;
  /** Samples per packet at the codec's clock, learnt from decoded packets (20 ms until known), for concealment. */
  #packetClockSamples: number;

  constructor(readonly codec: CodecSpec, readonly fanout: AudioFanout, readonly counters: IngestCounters, readonly maxDelayMs: number) {
    this.#buffer = new JitterBuffer<Uint8Array>({ maxDelayMs }, this);
    this.#packetClockSamples = codec.clockRate / 50;
  }

  /** The jitter buffer of the current source. */
  get buffer(): JitterBuffer<Uint8Array> {
    return this.#buffer;
  }

  /** Takes one RTP packet of this stream's codec. */
  receive(packet: { sequenceNumber: number; timestamp: number; payload: Uint8Array }, nowMs: number): void {
    this.#nowMs = nowMs;
    const result: PushResult = this.#buffer.push(packet.sequenceNumber, packet.timestamp, packet.payload, nowMs);
    if (result === "accepted") this.counters.received.inc();
    else if (result === "duplicate") this.counters.duplicate.inc();
    else if (result === "late") this.counters.late.inc();
    else this.counters.tooOld.inc();
  }

  /** Releases packets whose wait is over (called by the pacer). */
  tick(nowMs: number): void {
    this.#nowMs = nowMs;
    this.#buffer.tick(nowMs);
  }

  /** Starts over for a new source (SSRC change): releases what is held, forgets decoder state. */
  reset(): void {
    this.#buffer.flush();
    // The new source numbers its packets afresh: the old buffer would drop its first one as too old.
    this.#buffer = new JitterBuffer<Uint8Array>({ maxDelayMs: this.maxDelayMs }, this);
    this.#decoder = undefined;
    this.#timestamps = new TimestampUnwrapper();
    this.#firstTimestamp = undefined;
  }

  packet(_seq: number, rtpTimestamp: number, payload: Uint8Array): void {
    const timestampMs = this.#mediaTimeMs(rtpTimestamp);
    this.#lossRun = 0;
    this.#lastPacketMs = this.#nowMs;
    if (!this.fanout.hasSubscribers) return;
    const decoder = this.#decoderForDemand();
    let samples: Int16Array;
    try {
      samples = decoder.decode(payload);
      this.#packetClockSamples = Math.round((samples.length * this.codec.clockRate) / decoder.sampleRate);
    } catch {
      this.counters.corrupt.inc();
      samples = this.#conceal(decoder);
    }
    this.counters.decoded.inc();
    this.fanout.push(samples, decoder.sampleRate, timestampMs);
  }

  lost(_seq: number, rtpTimestamp: number): void {
    this.counters.lost.inc();
    const timestampMs = this.#mediaTimeMs(rtpTimestamp);
    const run = ++this.#lossRun;
    // Packet length is learnt from the last payload, which a broken peer can make 0 or 1 samples long.
    const packetMs = Math.max(MIN_PACKET_MS, (this.#packetClockSamples * 1000) / this.codec.clockRate);
    if (!this.fanout.hasSubscribers || run * packetMs > this.#nowMs - this.#lastPacketMs + MAX_CONCEALED_AHEAD_MS) return;
    const decoder = this.#decoderForDemand();
    this.counters.concealed.inc();
    const samples = run > MAX_CONCEALED
      ? new Int16Array(this.#packetSamples(decoder))
      : this.#conceal(decoder);
    this.fanout.push(samples, decoder.sampleRate, timestampMs);
  }

  /** One packet's worth of concealment. */
  #conceal(decoder: AudioDecoder): Int16Array {
    return decoder.conceal(this.#packetSamples(decoder));
  }

  /** Samples in one packet at the decoder's rate. */
  #packetSamples(decoder: AudioDecoder): number {
    return Math.round((this.#packetClockSamples * decoder.sampleRate) / this.codec.clockRate);
  }

  /** The decoder at the preferred rate; recreated when subscribers change what they want. */
  #decoderForDemand(): AudioDecoder {
    const rate = this.fanout.preferredRate;
    if (!this.#decoder || this.#decoder.sampleRate !== rate) this.#decoder = this.codec.createDecoder(rate);
    return this.#decoder;
  }

  /** Media time in ms since the stream's first packet, from its RTP timestamp (wrap-safe). */
  #mediaTimeMs(rtpTimestamp: number): number {
    const extended = this.#timestamps.unwrap(rtpTimestamp);
    this.#firstTimestamp ??= extended;
    return ((extended - this.#firstTimestamp) * 1000) / this.codec.clockRate;
  }
}
