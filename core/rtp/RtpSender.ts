import type { AudioEncoder } from "../../media/codec.ts";
import { dtmfPackets, type DtmfPacket } from "../../media/dtmf.ts";
import { serializeRtpPacket } from "../../media/rtp.ts";
import { encodeFrame } from "../shared-encodings.ts";

/** Where the sender's packets go. */
export type PacketSink = (bytes: Uint8Array) => void;

/** Counters a sender report needs. */
export interface SenderStats {
  packets: number;
  octets: number;
  /** RTP timestamp and wall-clock time (ms since epoch) of the last packet sent. */
  lastTimestamp: number;
  lastSentAt: number;
}

function random32(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0];
}

/**
 * Outbound RTP for one stream: encodes one frame per pacer tick, with timestamps that follow the
 * pacer's clock (so silence between playbacks still advances them), the marker bit on the first
 * packet of each talkspurt, and RFC 4733 DTMF interleaved in place of audio while a digit plays.
 */
export class RtpSender {
  readonly ssrc = random32();
  readonly stats: SenderStats = { packets: 0, octets: 0, lastTimestamp: 0, lastSentAt: 0 };
  #sequence = random32() & 0xffff;
  readonly #timestampBase = random32();
  #firstTickMs: number | undefined;
  #talking = false;
  readonly #dtmfQueue: { packets: DtmfPacket[]; timestamp?: number }[] = [];

  constructor(
    readonly encoder: AudioEncoder,
    readonly payloadType: number,
    readonly clockRate: number,
    readonly send: PacketSink,
    readonly telephoneEvent?: { payloadType: number; clockRate: number },
  ) {}

  /** RTP timestamp of the pacer tick at `tickMs`. */
  timestampAt(tickMs: number): number {
    this.#firstTickMs ??= tickMs;
    return (this.#timestampBase + Math.round(((tickMs - this.#firstTickMs) * this.clockRate) / 1000)) >>> 0;
  }

  /** Queues a DTMF digit; it is sent over the next ticks, in place of audio. */
  queueDtmf(digit: string, durationMs: number): void {
    if (!this.telephoneEvent) throw new Error("the peer did not negotiate telephone-event: DTMF cannot be sent");
    this.#dtmfQueue.push({ packets: dtmfPackets(digit, { durationMs, clockRate: this.telephoneEvent.clockRate }) });
  }

  /** Sends this tick's frame (null: nothing to send, the next audio starts a new talkspurt). */
  sendFrame(samples: Int16Array | null, tickMs: number): void {
    const timestamp = this.timestampAt(tickMs);
    if (this.#dtmfQueue.length > 0) {
      this.#sendDtmfPacket(timestamp);
      return;
    }
    if (!samples) {
      this.#talking = false;
      return;
    }
    const payload = encodeFrame(this.encoder, samples);
    this.#emit(this.payloadType, timestamp, payload, !this.#talking);
    this.#talking = true;
  }

  #sendDtmfPacket(timestamp: number): void {
    const digit = this.#dtmfQueue[0];
    digit.timestamp ??= timestamp;
    const packet = digit.packets.shift()!;
    this.#emit(this.telephoneEvent!.payloadType, digit.timestamp, packet.payload, packet.marker);
    if (digit.packets.length === 0) {
      this.#dtmfQueue.shift();
      this.#talking = false;
    }
  }

  #emit(payloadType: number, timestamp: number, payload: Uint8Array, marker: boolean): void {
    const bytes = serializeRtpPacket({ payloadType, sequenceNumber: this.#sequence, timestamp, ssrc: this.ssrc, marker, payload });
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.stats.packets++;
    this.stats.octets += payload.length;
    this.stats.lastTimestamp = timestamp;
    this.stats.lastSentAt = Date.now();
    this.send(bytes);
  }
}
