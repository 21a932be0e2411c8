// The default WebRTC edge: werift in this process does ICE, DTLS and SRTP, and every decrypted
// packet goes through Parley's own media path (WebRtcEndpoint).
import type { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpTransceiver } from "werift";
import * as werift from "werift";
import { codecForFormat } from "../codecs.ts";
import { ParleyError } from "../errors.ts";
import type { CallSession, Session } from "../Session.ts";
import type { TransportHost } from "../transport.ts";
import type { WebRtcEdge, WebRtcLeg } from "./edge.ts";
import { WebRtcEndpoint } from "./WebRtcEndpoint.ts";

/** Longest Parley waits for its own ICE candidates before answering (non-trickle answer). */
const GATHER_TIMEOUT_MS = 3000;

/** The audio codecs Parley offers werift, in order of preference. */
function audioCodecs(): RTCRtpCodecParameters[] {
  const { RTCRtpCodecParameters } = werift;
  return [
    new RTCRtpCodecParameters({ mimeType: "audio/opus", clockRate: 48000, channels: 2, payloadType: 111, parameters: "minptime=10;useinbandfec=1" }),
    new RTCRtpCodecParameters({ mimeType: "audio/PCMU", clockRate: 8000, channels: 1, payloadType: 0 }),
    new RTCRtpCodecParameters({ mimeType: "audio/telephone-event", clockRate: 48000, channels: 1, payloadType: 110 }),
    new RTCRtpCodecParameters({ mimeType: "audio/telephone-event", clockRate: 8000, channels: 1, payloadType: 126 }),
  ];
}

function codecName(codec: RTCRtpCodecParameters): string {
  return codec.mimeType.split("/")[1].toLowerCase();
}

/** Waits until the peer connection has gathered its candidates, the session ended, or the timeout passed. */
function gathered(pc: RTCPeerConnection, session: Session): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    const subscription = pc.iceGatheringStateChange.subscribe((state) => state === "complete" && done());
    session.closed.then(done);
    function done() {
      clearTimeout(timer);
      subscription.unSubscribe();
      resolve();
    }
  });
}

/** Closes a peer connection that no session owns yet; werift failing to close must not hide the error being answered. */
async function closeUnowned(pc: RTCPeerConnection): Promise<void> {
  await pc.close().catch(() => {});
}

/** WebRTC in this process on werift: one peer connection per session. */
export class WeriftEdge implements WebRtcEdge {
  readonly name = "werift";

  private constructor(readonly host: TransportHost) {}

  /** werift needs nothing started: its module is loaded by the time this is called. */
  static start(host: TransportHost): WeriftEdge {
    return new WeriftEdge(host);
  }

  /** Nothing to release: each session closes its own peer connection. */
  async close(): Promise<void> {}

  async answer(offer: string, metadata: Record<string, string>, startedAt: number): Promise<{ leg: WebRtcLeg; answer: string }> {
    const pc = this.#peerConnection();
    let session: CallSession | undefined;
    try {
      session = await this.#openSession(pc, offer, metadata, startedAt);
      this.#deadline(session, pc);
      await this.#makeAnswer(pc, session);
      const leg: WebRtcLeg = { session, addCandidate: (candidate, mid) => pc.addIceCandidate({ candidate, sdpMid: mid }) };
      return { leg, answer: pc.localDescription!.sdp };
    } catch (error) {
      if (session) await session.hangup("webrtc_failed");
      else await closeUnowned(pc);
      throw error;
    }
  }

  #peerConnection(): RTCPeerConnection {
    const { webrtc } = this.host.config;
    return new werift.RTCPeerConnection({
      codecs: { audio: audioCodecs() },
      iceUseIpv6: false,
      ...(webrtc.icePortMin !== undefined ? { icePortRange: [webrtc.icePortMin, webrtc.icePortMax!] as [number, number] } : {}),
      // werift names candidates after the machine's interfaces even when bound to one address, so
      // a configured interface (loopback in tests) is announced explicitly as well.
      iceAdditionalHostAddresses: [...(webrtc.interfaces ?? []), ...(webrtc.announcedAddress ? [webrtc.announcedAddress] : [])],
      ...(webrtc.interfaces?.length ? { iceInterfaceAddresses: { udp4: webrtc.interfaces[0] } } : {}),
    });
  }

  /** Applies the (screened) offer, picks the codec and opens the session; throws a coded 4xx for an offer Parley cannot take. */
  async #openSession(pc: RTCPeerConnection, offer: string, metadata: Record<string, string>, startedAt: number): Promise<CallSession> {
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: offer });
    } catch {
      // werift's own message describes its code ("Cannot read properties of ..."), not the offer.
      throw new ParleyError("PARLEY_ERR_BAD_SDP", "the offer is not a WebRTC session description this server can apply");
    }
    const transceiver = pc.getTransceivers().find((t: RTCRtpTransceiver) => t.kind === "audio");
    const negotiated = transceiver?.codecs ?? [];
    const audio = negotiated.find((c) => codecName(c) !== "telephone-event");
    const spec = audio && codecForFormat({ name: codecName(audio), clockRate: audio.clockRate, channels: audio.channels ?? 1, payloadType: audio.payloadType });
    if (!transceiver || !audio || !spec) throw new ParleyError("PARLEY_ERR_NO_COMMON_CODEC", negotiated.map((c) => c.mimeType).join(", ") || "none");
    if (this.host.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    const event = negotiated.find((c) => codecName(c) === "telephone-event" && c.clockRate === audio.clockRate) ??
      negotiated.find((c) => codecName(c) === "telephone-event");
    const track = new werift.MediaStreamTrack({ kind: "audio" });
    transceiver.setDirection("sendrecv");
    transceiver.sender.replaceTrack(track);
    const encoder = spec.createEncoder();
    return this.host.openSession(
      {
        transport: "webrtc",
        codec: spec.name,
        sampleRate: spec.pcmRate,
        decodableRates: spec.decodableRates,
        outputRate: encoder.sampleRate,
        frameSamples: encoder.sampleRate / 50,
        metadata,
      },
      (session) =>
        new WebRtcEndpoint(session, {
          pc,
          transceiver,
          track,
          codec: spec,
          encoder,
          telephoneEvent: event && { payloadType: event.payloadType, clockRate: event.clockRate },
          maxJitterDelayMs: this.host.config.rtp.maxJitterDelayMs,
          mediaTimeoutMs: this.host.config.webrtc.mediaTimeoutSeconds * 1000,
          metrics: this.host.metrics,
          startedAt,
        }),
    );
  }

  /** A peer that never completes ICE and DTLS would hold its socket for ever. */
  #deadline(session: CallSession, pc: RTCPeerConnection): void {
    const deadline = setTimeout(() => {
      if (pc.connectionState !== "connected") void session.hangup("webrtc_timeout");
    }, this.host.config.webrtc.connectTimeoutSeconds * 1000);
    session.closed.then(() => clearTimeout(deadline));
  }

  async #makeAnswer(pc: RTCPeerConnection, session: CallSession): Promise<void> {
    try {
      await pc.setLocalDescription(await pc.createAnswer());
    } catch {
      throw new ParleyError("PARLEY_ERR_BAD_SDP", "no answer could be made to the offer");
    }
    await gathered(pc, session);
    // Ended while gathering (server shutdown, or hung up by embedding code): there is nothing to answer for.
    if (session.ended) throw new ParleyError(this.host.shuttingDown ? "PARLEY_ERR_SHUTTING_DOWN" : "PARLEY_ERR_SESSION_CLOSED", session.id);
  }
}
