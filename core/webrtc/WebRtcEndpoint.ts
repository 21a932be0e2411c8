import type { MediaStreamTrack, RTCPeerConnection, RTCRtpTransceiver, RtpPacket } from "werift";
import { RtpHeader, RtpPacket as WeriftRtpPacket } from "werift";
import type { AudioEncoder } from "../../media/codec.ts";
import type { CodecSpec } from "../codecs.ts";
import { SampledHistogram } from "../frame-timing.ts";
import type { Metrics } from "../metrics.ts";
import { RtpMediaStream } from "../rtp/RtpMediaStream.ts";
import type { CallSession, SessionTransport } from "../Session.ts";

/** Everything a WebRTC call leg needs once negotiation has picked a codec. */
export interface WebRtcEndpointOptions {
  pc: RTCPeerConnection;
  transceiver: RTCRtpTransceiver;
  track: MediaStreamTrack;
  codec: CodecSpec;
  encoder: AudioEncoder;
  telephoneEvent?: { payloadType: number; clockRate: number };
  maxJitterDelayMs: number;
  /** Once connected, a leg that receives no RTP for this long is hung up (`webrtc_media_timeout`). */
  mediaTimeoutMs: number;
  metrics: Metrics;
  /** When the WHIP request arrived (performance.now()), to time ICE and DTLS. */
  startedAt: number;
}

const TRANSPORT = "webrtc";

/**
 * A WebRTC call leg on werift: werift does ICE, DTLS and SRTP; every decrypted RTP packet goes
 * through Parley's own media path (jitter buffer at most 40 ms, not werift's), and the session's
 * audio goes out through the negotiated sender.
 */
export class WebRtcEndpoint implements SessionTransport {
  readonly outputRate: number;
  readonly frameSamples: number;
  readonly #options: WebRtcEndpointOptions;
  readonly #media: RtpMediaStream;
  readonly #session: CallSession;
  #closed = false;
  /** When the last RTP packet came (performance.now()); undefined until the connection is up. */
  #lastPacketAt?: number;

  constructor(session: CallSession, options: WebRtcEndpointOptions) {
    this.#options = options;
    this.#session = session;
    const { pc, metrics, transceiver } = options;
    this.outputRate = options.encoder.sampleRate;
    this.frameSamples = this.outputRate / 50;
    this.#media = new RtpMediaStream(session, {
      transport: TRANSPORT,
      codec: options.codec,
      encoder: options.encoder,
      telephoneEvent: options.telephoneEvent,
      maxJitterDelayMs: options.maxJitterDelayMs,
      metrics,
      send: (bytes) => this.#send(bytes),
    });
    const ingestTimer = new SampledHistogram(metrics.ingestSeconds);
    const listened = new Set<MediaStreamTrack>();
    const listen = (track: MediaStreamTrack) => {
      if (listened.has(track)) return;
      listened.add(track);
      track.onReceiveRtp.subscribe((rtp: RtpPacket) => this.#contained(() => {
        const start = performance.now();
        this.#lastPacketAt = start;
        const { header } = rtp;
        const view = { payloadType: header.payloadType, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp, ssrc: header.ssrc, payload: rtp.payload };
        if (this.#media.receive(view, start)) ingestTimer.observeSince(start);
      }));
    };
    // The offered track exists once the offer is applied (werift announced it then); tracks
    // learnt later from unannounced SSRCs arrive through onTrack.
    for (const track of transceiver.receiver.tracks) listen(track);
    transceiver.onTrack.subscribe((track) => this.#contained(() => listen(track)));
    let iceConnectedAt: number | undefined;
    pc.iceConnectionStateChange.subscribe((state) => this.#contained(() => {
      if (state === "connected" && iceConnectedAt === undefined) {
        iceConnectedAt = performance.now();
        metrics.iceConnectSeconds.observe((iceConnectedAt - options.startedAt) / 1000);
      }
    }));
    pc.connectionStateChange.subscribe((state) => this.#contained(() => {
      if (state === "connected") this.#lastPacketAt ??= performance.now();
      if (state === "connected" && iceConnectedAt !== undefined) metrics.dtlsConnectSeconds.observe((performance.now() - iceConnectedAt) / 1000);
      if (state === "failed" || state === "closed") void session.hangup(state === "failed" ? "webrtc_failed" : "webrtc_closed");
    }));
  }

  sendFrame(samples: Int16Array | null, tickMs: number): void {
    this.#media.sender.sendFrame(samples, tickMs);
  }

  sendDtmf(digit: string, durationMs: number): void {
    this.#media.sender.queueDtmf(digit, durationMs);
  }

  tick(tickMs: number): void {
    this.#media.ingest.tick(tickMs);
    // werift has no consent freshness check: a browser tab that closes without a word would
    // otherwise keep its leg (and whoever is bridged to it) for ever.
    if (this.#lastPacketAt !== undefined && tickMs - this.#lastPacketAt > this.#options.mediaTimeoutMs) void this.#session.hangup("webrtc_media_timeout");
  }

  /** Closes the peer connection (its ICE sockets and DTLS); a failure is reported by the session. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#media.ingest.buffer.flush();
    await this.#options.pc.close();
  }

  /**
   * Runs a callback werift calls (its events fire from socket handlers and timers): what fails in
   * it ends this session, counted, and never reaches werift or the process.
   */
  #contained(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      void this.#session.fail(error);
    }
  }

  /**
   * Audio goes through werift's sender (it keeps SR counts and offsets), which stamps every packet
   * with the audio payload type; DTMF must keep its own, so it goes straight to the SRTP transport.
   */
  #send(bytes: Uint8Array): void {
    if (this.#closed) return;
    const packet = WeriftRtpPacket.deSerialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const { sender } = this.#options.transceiver;
    if (packet.header.payloadType === this.#options.codec.payloadType) {
      this.#options.track.writeRtp(packet);
      return;
    }
    if (sender.dtlsTransport?.state !== "connected") return;
    const header = new RtpHeader({ ...packet.header, ssrc: sender.ssrc, extensions: [] });
    sender.dtlsTransport.sendRtp(packet.payload, header).catch(() => {});
  }
}
