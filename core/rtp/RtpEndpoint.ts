import type { RemoteInfo, Socket } from "node:dgram";
import type { AudioEncoder } from "../../media/codec.ts";
import { MediaParseError } from "../../media/errors.ts";
import { isRtcpPacket, middle32, msToNtp, parseRtcpCompound, type RtcpPacket, SdesItemType, serializeRtcpCompound } from "../../media/rtcp.ts";
import { parseRtpPacket } from "../../media/rtp.ts";
import type { CodecSpec } from "../codecs.ts";
import { SampledHistogram } from "../frame-timing.ts";
import type { Metrics } from "../metrics.ts";
import type { CallSession, SessionTransport } from "../Session.ts";
import type { SocketPair } from "./PortPool.ts";
import { RtpMediaStream } from "./RtpMediaStream.ts";

/** Where the peer receives RTP and RTCP (no RTCP when its port would lie past 65535). */
export interface RemoteAddress {
  address: string;
  port: number;
  rtcpPort?: number;
}

/** The RTCP port beside RTP port `port` (RFC 3550: the next one), if there is one. */
export function rtcpPortBeside(port: number): number | undefined {
  return port + 1 <= 65535 ? port + 1 : undefined;
}

/** Everything an endpoint needs, decided by negotiation and configuration. */
export interface RtpEndpointOptions {
  pair: SocketPair;
  codec: CodecSpec;
  encoder: AudioEncoder;
  telephoneEvent?: { payloadType: number; clockRate: number };
  remote?: RemoteAddress;
  rtcpMux: boolean;
  /** Send to wherever the latched media comes from, not to the signalled address. */
  symmetric: boolean;
  /** Send to the signalled address before anything was heard from it (see RtpSessionRequest.sendFirst). */
  sendFirst?: boolean;
  /** Latch to the first source from any address even when a remote is signalled (NAT); else only the signalled address is heard. */
  latchAnySource: boolean;
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
  readonly #media: RtpMediaStream;
  readonly #discard: (reason: string) => void;
  readonly #ingestTimer: SampledHistogram;
  readonly #cname = `parley-${crypto.randomUUID().slice(0, 8)}`;
  #remote?: RemoteAddress;
  /** The source this endpoint latched to (symmetric RTP); others are dropped. */
  #latchedAddress?: string;
  #latchedPort?: number;
  #lastPacketAt = performance.now();
  #nextRtcpAt = performance.now() + RTCP_INTERVAL_MS * (0.5 + Math.random());
  #sentAtLastReport = 0;
  /**
   * True once the peer has sent valid RTP from where it was expected: until then nothing is sent,
   * so a request naming someone else's address cannot make Parley stream to it (reflection).
   */
  #confirmed = false;
  #closed = false;

  /** The SSRC this leg sends with (a mediasoup producer must be told it). */
  get ssrc(): number {
    return this.#media.sender.ssrc;
  }

  constructor(session: CallSession, options: RtpEndpointOptions) {
    this.#session = session;
    this.#options = options;
    this.#remote = options.remote;
    this.#confirmed = options.sendFirst === true;
    const { metrics, codec } = options;
    this.outputRate = options.encoder.sampleRate;
    this.frameSamples = this.outputRate / 50;
    this.#media = new RtpMediaStream(session, {
      transport: TRANSPORT,
      codec,
      encoder: options.encoder,
      telephoneEvent: options.telephoneEvent,
      maxJitterDelayMs: options.maxJitterDelayMs,
      metrics,
      send: (bytes) => this.#sendRtp(bytes),
    });
    this.#discard = (reason) => metrics.rtpDiscarded.inc({ transport: TRANSPORT, reason });
    this.#ingestTimer = new SampledHistogram(metrics.ingestSeconds);
    // What fails in a socket callback belongs to this session: it ends this call alone.
    const contained = (handle: (message: Uint8Array, from: RemoteInfo) => void) => (message: Uint8Array, from: RemoteInfo) => {
      try {
        handle(message, from);
      } catch (error) {
        void session.fail(error, "transport_error");
      }
    };
    options.pair.rtp.on("message", contained((message, from) => this.#onRtp(message, from)));
    options.pair.rtcp.on("message", contained((message, from) => this.#onRtcp(message, from)));
    // A socket error (e.g. ICMP port unreachable on send) must not end the process or the call.
    options.pair.rtp.on("error", () => this.#discard("socket_error"));
    options.pair.rtcp.on("error", () => this.#discard("socket_error"));
  }

  sendFrame(samples: Int16Array | null, tickMs: number): void {
    this.#media.sender.sendFrame(samples, tickMs);
  }

  sendDtmf(digit: string, durationMs: number): void {
    this.#media.sender.queueDtmf(digit, durationMs);
  }

  tick(tickMs: number): void {
    this.#media.ingest.tick(tickMs);
    if (tickMs - this.#lastPacketAt > this.#options.timeoutMs) {
      void this.#session.hangup("rtp_timeout");
      return;
    }
    if (tickMs >= this.#nextRtcpAt) {
      this.#nextRtcpAt = tickMs + RTCP_INTERVAL_MS * (0.5 + Math.random());
      this.#sendReport(false);
    }
  }

  /** Sends the final report with BYE, then releases the ports once the socket has sent it (or failed to). */
  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      const sent = this.#sendReport(true);
      this.#closed = true;
      this.#media.ingest.buffer.flush();
      await sent;
    } finally {
      this.#closed = true;
      await this.#options.pair.release();
    }
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
    if (from.port !== this.#latchedPort || from.address !== this.#latchedAddress) {
      if (this.#latchedAddress !== undefined) {
        this.#discard("unlatched_source");
        return;
      }
      const signalled = this.#options.remote;
      if (signalled && !this.#options.latchAnySource && from.address !== signalled.address) {
        this.#discard("unsignalled_source");
        return;
      }
      this.#latch(from);
    }
    this.#lastPacketAt = start;
    if (this.#media.receive(packet, start)) this.#ingestTimer.observeSince(start);
  }

  #latch(from: RemoteInfo): void {
    const source = `${from.address}:${from.port}`;
    this.#latchedAddress = from.address;
    this.#latchedPort = from.port;
    // A non-symmetric session sends to the signalled address, so only that address speaking
    // confirms it: with latchAnySource, a stranger's packet would otherwise aim the stream at it.
    const signalled = this.#options.remote;
    this.#confirmed = this.#options.symmetric || !signalled || from.address === signalled.address;
    if (this.#options.symmetric || !this.#remote) {
      const rtcpPort = this.#options.rtcpMux ? from.port : rtcpPortBeside(from.port);
      this.#remote = { address: from.address, port: from.port, rtcpPort };
      this.#session.info.remote = source;
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
    if (this.#latchedAddress !== undefined && from.address !== this.#latchedAddress) {
      this.#discard("rtcp_unlatched_source");
      return;
    }
    for (const packet of packets) {
      metrics.rtcpReceived.inc({ type: packet.type });
      const ssrc = this.#media.remoteSsrc;
      if (packet.type === "sr") this.#media.senderReport(packet.ssrc, middle32(packet.ntp), performance.now());
      else if (packet.type === "bye" && ssrc !== undefined && packet.ssrcs.includes(ssrc)) {
        void this.#session.hangup("remote_bye");
      }
    }
  }

  /** Sends SR (if we sent media since the last report) or RR, with SDES, and BYE when closing; resolves once sent. */
  #sendReport(bye: boolean): Promise<void> {
    const port = this.#options.rtcpMux ? this.#remote?.port : this.#remote?.rtcpPort;
    if (this.#closed || !this.#confirmed || !this.#remote || port === undefined) return Promise.resolve();
    const { metrics } = this.#options;
    const block = this.#media.reportBlock(performance.now());
    const reports = block ? [block] : [];
    const sender = this.#media.sender;
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
    metrics.rtcpSent.inc();
    const address = this.#remote.address;
    return new Promise((resolve) => this.#send(socket, bytes, port, address, (error) => {
      this.#onSent(error);
      resolve();
    }));
  }

  #sendRtp(bytes: Uint8Array): void {
    if (this.#closed || !this.#confirmed || !this.#remote) return;
    this.#send(this.#options.pair.rtp, bytes, this.#remote.port, this.#remote.address);
  }

  /** Counts a send that failed after it left (ICMP unreachable) or before (a port dgram refuses). */
  readonly #onSent = (error?: Error | null) => {
    if (error) this.#discard("send_failed");
  };

  /**
   * Every datagram leaves through here and `sent` runs once either way: a send that fails is
   * counted and never throws, so it can reach neither the call nor the process. No promise per
   * packet: this runs for every 20 ms frame of every call.
   */
  #send(socket: Socket, bytes: Uint8Array, port: number, address: string, sent: (error?: Error | null) => void = this.#onSent): void {
    try {
      socket.send(bytes, port, address, sent);
    } catch (error) {
      sent(error as Error);
    }
  }
}
