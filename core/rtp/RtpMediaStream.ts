import type { AudioEncoder } from "../../media/codec.ts";
import { DtmfReceiver } from "../../media/dtmf.ts";
import { MediaParseError } from "../../media/errors.ts";
import { type LastSenderReport, ReceiveStats } from "../../media/receive-stats.ts";
import type { RtcpReportBlock } from "../../media/rtcp.ts";
import { SequenceUnwrapper } from "../../media/sequence.ts";
import type { CodecSpec } from "../codecs.ts";
import type { Metrics } from "../metrics.ts";
import type { CallSession } from "../Session.ts";
import { RtpIngest } from "./RtpIngest.ts";
import { type PacketSink, RtpSender } from "./RtpSender.ts";

/** The RTP header fields and payload the media path needs, whoever parsed the packet. */
export interface RtpPacketView {
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly payload: Uint8Array;
}

/** What a media stream needs from its transport. */
export interface RtpMediaStreamOptions {
  /** Transport label for metrics and event sources ("rtp", "webrtc"). */
  transport: string;
  codec: CodecSpec;
  encoder: AudioEncoder;
  telephoneEvent?: { payloadType: number; clockRate: number };
  maxJitterDelayMs: number;
  metrics: Metrics;
  /** Where outbound RTP packets go (socket, SRTP track, ...). */
  send: PacketSink;
}

/**
 * The media half of an RTP call leg, shared by plain RTP and WebRTC: inbound packets by payload
 * type to the ingest path (jitter buffer, decode, fanout) or the DTMF receiver, reception
 * statistics per source, and the outbound sender. Transports own sockets, security and RTCP.
 */
export class RtpMediaStream {
  readonly ingest: RtpIngest;
  readonly sender: RtpSender;
  readonly #session: CallSession;
  readonly #options: RtpMediaStreamOptions;
  readonly #dtmf: DtmfReceiver;
  readonly #discard: (reason: string) => void;
  #ssrc?: number;
  #stats?: ReceiveStats;
  #sequence = new SequenceUnwrapper();
  #lastSr?: LastSenderReport;

  constructor(session: CallSession, options: RtpMediaStreamOptions) {
    this.#session = session;
    this.#options = options;
    const { metrics, codec, transport } = options;
    const t = { transport };
    this.ingest = new RtpIngest(codec, session.fanout, {
      received: metrics.rtpReceived.labels(t),
      lost: metrics.rtpLost.labels(t),
      late: metrics.rtpLate.labels(t),
      duplicate: metrics.rtpDuplicate.labels(t),
      tooOld: metrics.rtpDiscarded.labels({ ...t, reason: "too_old" }),
      decoded: metrics.framesDecoded.labels({ codec: codec.name }),
      concealed: metrics.framesConcealed.labels({ codec: codec.name }),
      corrupt: metrics.rtpDiscarded.labels({ ...t, reason: "corrupt_payload" }),
    }, options.maxJitterDelayMs);
    const sent = metrics.rtpSent.labels(t);
    this.sender = new RtpSender(options.encoder, codec.payloadType, codec.clockRate, (bytes) => {
      sent.inc();
      options.send(bytes);
    }, options.telephoneEvent);
    this.#dtmf = new DtmfReceiver(options.telephoneEvent?.clockRate ?? 8000);
    this.#discard = (reason) => metrics.rtpDiscarded.inc({ ...t, reason });
  }

  /** SSRC of the source being received, once known. */
  get remoteSsrc(): number | undefined {
    return this.#ssrc;
  }

  /** Takes one inbound packet; returns false (and counts it) when its payload type is not negotiated. */
  receive(packet: RtpPacketView, arrivalMs: number): boolean {
    const { codec, telephoneEvent } = this.#options;
    if (packet.payloadType === codec.payloadType) {
      if (packet.ssrc !== this.#ssrc) this.#newSource(packet.ssrc);
      this.#stats!.update(this.#sequence.unwrap(packet.sequenceNumber), packet.timestamp, arrivalMs, codec.clockRate);
      this.ingest.receive(packet, arrivalMs);
      return true;
    }
    if (telephoneEvent && packet.payloadType === telephoneEvent.payloadType) {
      this.#onTelephoneEvent(packet.timestamp, packet.payload);
      return true;
    }
    this.#discard("unknown_payload_type");
    return false;
  }

  /** Records a sender report from the remote source (for the RTT fields of our reports). */
  senderReport(ssrc: number, ntpMiddle32: number, arrivalMs: number): void {
    if (ssrc === this.#ssrc) this.#lastSr = { ntpMiddle32, arrivalMs };
  }

  /** The report block about the remote source, if one is being received; samples jitter metrics. */
  reportBlock(nowMs: number): RtcpReportBlock | undefined {
    if (!this.#stats) return undefined;
    const { metrics } = this.#options;
    metrics.jitter.observe(this.#stats.jitterMs / 1000);
    metrics.jitterBufferDelay.observe(this.ingest.buffer.targetDelayMs / 1000);
    return this.#stats.report(nowMs, this.#lastSr);
  }

  #newSource(ssrc: number): void {
    const first = this.#ssrc === undefined;
    this.#ssrc = ssrc;
    this.#stats = new ReceiveStats(ssrc);
    this.#sequence = new SequenceUnwrapper();
    this.#lastSr = undefined;
    if (!first) {
      this.ingest.reset();
      this.#session.emit({ type: "media.ssrc_changed", ssrc, source: this.#options.transport });
    }
  }

  #onTelephoneEvent(timestamp: number, payload: Uint8Array): void {
    try {
      const digit = this.#dtmf.push(timestamp, payload);
      if (digit) this.#session.emit({ type: "dtmf", digit: digit.digit, durationMs: digit.durationMs, source: this.#options.transport });
    } catch (error) {
      this.#discard(error instanceof MediaParseError ? `dtmf_${error.reason}` : "dtmf_malformed");
    }
  }
}
