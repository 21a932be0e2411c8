import type { RemoteInfo } from "node:dgram";
import type { AudioEncoder } from "../../media/codec.ts";
import { DtmfReceiver } from "../../media/dtmf.ts";
import { MediaParseError } from "../../media/errors.ts";
import { ReceiveStats, type LastSenderReport } from "../../media/receive-stats.ts";
import { isRtcpPacket, middle32, msToNtp, parseRtcpCompound, type RtcpPacket, SdesItemType, serializeRtcpCompound } from "../../media/rtcp.ts";
import { parseRtpPacket } from "../../media/rtp.ts";
import { SequenceUnwrapper } from "../../media/sequence.ts";
import type { CodecSpec } from "../codecs.ts";
import type { Metrics } from "../metrics.ts";
import type { CallSession, SessionTransport } from "../Session.ts";
import type { SocketPair } from "./PortPool.ts";
import { RtpIngest } from "./RtpIngest.ts";
import { RtpSender } from "./RtpSender.ts";

/** Where the peer receives RTP and RTCP. */
export interface RemoteAddress {
  address: string;
  port: number;
  rtcpPort: number;
}

/** Everything an endpoint needs, decided by negotiation and configuration. */
export interface RtpEndpointOptions {
  pair: SocketPair;
  codec: CodecSpec;
  encoder: AudioEncoder;
  telephoneEvent?: { payloadType: number; clockRate: number };
  remote?: RemoteAddress;
  rtcpMux: boolean;
  symmetric: boolean;
  timeoutMs: number;
  maxJitterDelayMs: number;
  metrics: Metrics;
}

/** RTCP report interval (RFC 3550's 5 s minimum, randomised by ±50% to avoid synchronisation). */
const RTCP_INTERVAL_MS = 5000;
const TRANSPORT = "rtp";

/**
 * One plain RTP call leg on a socket pair: latches to the first valid source (symmetric RTP),
 * feeds its packets through the ingest path, sends the session's audio and DTMF, exchanges RTCP
 * reports, and ends the session on BYE or silence of the network.
 */
export class RtpEndpoint implements SessionTransport {
  readonly outputRate: number;
  readonly frameSamples: number;
  readonly #session: CallSession;
  readonly #options: RtpEndpointOptions;
  readonly #ingest: RtpIngest;
  readonly #sender: RtpSender;
  readonly #dtmf: DtmfReceiver;
  readonly #discard: (reason: string) => void;
  readonly #ingestTimer: { observe(seconds: number): void };
  readonly #cname = `parley-${crypto.randomUUID().slice(0, 8)}`;
  #remote?: RemoteAddress;
  #latched?: string;
  #ssrc?: number;
  #stats?: ReceiveStats;
  #sequence = new SequenceUnwrapper();
  #lastSr?: LastSenderReport;
  #lastPacketAt = performance.now();
  #nextRtcpAt = performance.now() + RTCP_INTERVAL_MS * (0.5 + Math.random());
  #sentAtLastReport = 0;
  #closed = false;

  constructor(session: CallSession, options: RtpEndpointOptions) {
    this.#session = session;
    this.#options = options;
    this.#remote = options.remote;
    const { metrics, codec } = options;
    this.outputRate = options.encoder.sampleRate;
    this.frameSamples = this.outputRate / 50;
    const t = { transport: TRANSPORT };
    this.#ingest = new RtpIngest(codec, session.fanout, {
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
    this.#sender = new RtpSender(options.encoder, codec.payloadType, codec.clockRate, (bytes) => {
      sent.inc();
      this.#sendRtp(bytes);
    }, options.telephoneEvent);
    this.#dtmf = new DtmfReceiver(options.telephoneEvent?.clockRate ?? 8000);
    this.#discard = (reason) => metrics.rtpDiscarded.inc({ ...t, reason });
    this.#ingestTimer = metrics.ingestSeconds;
    options.pair.rtp.on("message", (message, remote) => this.#onRtp(message, remote));
    options.pair.rtcp.on("message", (message, remote) => this.#onRtcp(message, remote));
    // A socket error (e.g. ICMP port unreachable on send) must not end the process or the call.
    options.pair.rtp.on("error", () => this.#discard("socket_error"));
    options.pair.rtcp.on("error", () => this.#discard("socket_error"));
  }

  sendFrame(samples: Int16Array | null, tickMs: number): void {
    this.#sender.sendFrame(samples, tickMs);
  }

  sendDtmf(digit: string, durationMs: number): void {
    this.#sender.queueDtmf(digit, durationMs);
  }

  tick(tickMs: number): void {
    this.#ingest.tick(tickMs);
    if (tickMs - this.#lastPacketAt > this.#options.timeoutMs) {
      this.#session.hangup("rtp_timeout");
      return;
    }
    if (tickMs >= this.#nextRtcpAt) {
      this.#nextRtcpAt = tickMs + RTCP_INTERVAL_MS * (0.5 + Math.random());
      this.#sendReport(false);
    }
  }

  /** Sends the final report with BYE, then releases the ports once the socket has sent it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const sent = this.#sendReport(true);
    this.#closed = true;
    this.#ingest.buffer.flush();
    await sent;
    this.#options.pair.release();
  }

  #onRtp(message: Uint8Array, from: RemoteInfo): void {
    const start = performance.now();
    if (this.#options.rtcpMux && isRtcpPacket(message)) {
      this.#onRtcp(message, from);
      return;
    }
    let packet;
    try {
      packet = parseRtpPacket(message);
    } catch (error) {
      this.#discard(error instanceof MediaParseError ? error.reason : "malformed");
      return;
    }
    const source = `${from.address}:${from.port}`;
    if (this.#latched !== source) {
      if (this.#latched !== undefined) {
        this.#discard("unlatched_source");
        return;
      }
      this.#latch(from, source);
    }
    this.#lastPacketAt = start;
    const { codec, telephoneEvent } = this.#options;
    if (packet.payloadType === codec.payloadType) {
      if (packet.ssrc !== this.#ssrc) this.#newSource(packet.ssrc);
      this.#stats!.update(this.#sequence.unwrap(packet.sequenceNumber), packet.timestamp, start, codec.clockRate);
      this.#ingest.receive(packet, start);
    } else if (telephoneEvent && packet.payloadType === telephoneEvent.payloadType) {
      this.#onTelephoneEvent(packet.timestamp, packet.payload);
    } else {
      this.#discard("unknown_payload_type");
      return;
    }
    this.#ingestTimer.observe((performance.now() - start) / 1000);
  }

  #latch(from: RemoteInfo, source: string): void {
    this.#latched = source;
    if (this.#options.symmetric || !this.#remote) {
      const rtcpPort = this.#options.rtcpMux ? from.port : from.port + 1;
      this.#remote = { address: from.address, port: from.port, rtcpPort };
      this.#session.info.remote = source;
    }
  }

  #newSource(ssrc: number): void {
    const first = this.#ssrc === undefined;
    this.#ssrc = ssrc;
    this.#stats = new ReceiveStats(ssrc);
    this.#sequence = new SequenceUnwrapper();
    this.#lastSr = undefined;
    if (!first) {
      this.#ingest.reset();
      this.#session.emit({ type: "media.ssrc_changed", ssrc, source: TRANSPORT });
    }
  }

  #onTelephoneEvent(timestamp: number, payload: Uint8Array): void {
    try {
      const digit = this.#dtmf.push(timestamp, payload);
      if (digit) this.#session.emit({ type: "dtmf", digit: digit.digit, durationMs: digit.durationMs, source: TRANSPORT });
    } catch (error) {
      this.#discard(error instanceof MediaParseError ? `dtmf_${error.reason}` : "dtmf_malformed");
    }
  }

  #onRtcp(message: Uint8Array, from: RemoteInfo): void {
    const { metrics } = this.#options;
    let packets: RtcpPacket[];
    try {
      packets = parseRtcpCompound(message);
    } catch (error) {
      this.#discard(error instanceof MediaParseError ? `rtcp_${error.reason}` : "rtcp_malformed");
      return;
    }
    if (this.#latched !== undefined && from.address !== this.#remote?.address) {
      this.#discard("rtcp_unlatched_source");
      return;
    }
    for (const packet of packets) {
      metrics.rtcpReceived.inc({ type: packet.type });
      if (packet.type === "sr" && packet.ssrc === this.#ssrc) {
        this.#lastSr = { ntpMiddle32: middle32(packet.ntp), arrivalMs: performance.now() };
      } else if (packet.type === "bye" && this.#ssrc !== undefined && packet.ssrcs.includes(this.#ssrc)) {
        this.#session.hangup("remote_bye");
      }
    }
  }

  /** Sends SR (if we sent media since the last report) or RR, with SDES, and BYE when closing; resolves once sent. */
  #sendReport(bye: boolean): Promise<void> {
    if (this.#closed || !this.#remote) return Promise.resolve();
    const { metrics } = this.#options;
    const now = performance.now();
    const reports = this.#stats ? [this.#stats.report(now, this.#lastSr)] : [];
    if (this.#stats) {
      metrics.jitter.observe(this.#stats.jitterMs / 1000);
      metrics.jitterBufferDelay.observe(this.#ingest.buffer.targetDelayMs / 1000);
    }
    const sender = this.#sender;
    const packets: RtcpPacket[] = [
      sender.stats.packets > this.#sentAtLastReport
        ? {
          type: "sr",
          ssrc: sender.ssrc,
          ntp: msToNtp(sender.stats.lastSentAt),
          rtpTimestamp: sender.stats.lastTimestamp,
          packetCount: sender.stats.packets,
          octetCount: sender.stats.octets,
          reports,
        }
        : { type: "rr", ssrc: sender.ssrc, reports },
      { type: "sdes", chunks: [{ ssrc: sender.ssrc, items: [{ type: SdesItemType.CNAME, text: this.#cname }] }] },
    ];
    if (bye) packets.push({ type: "bye", ssrcs: [sender.ssrc], reason: "hangup" });
    this.#sentAtLastReport = sender.stats.packets;
    const bytes = serializeRtcpCompound(packets);
    const socket = this.#options.rtcpMux ? this.#options.pair.rtp : this.#options.pair.rtcp;
    const port = this.#options.rtcpMux ? this.#remote.port : this.#remote.rtcpPort;
    metrics.rtcpSent.inc();
    return new Promise((resolve) => socket.send(bytes, port, this.#remote!.address, () => resolve()));
  }

  #sendRtp(bytes: Uint8Array): void {
    if (this.#closed || !this.#remote) return;
    this.#options.pair.rtp.send(bytes, this.#remote.port, this.#remote.address);
  }
}
