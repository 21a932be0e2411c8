import type { IncomingMessage } from "node:http";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpTransceiver } from "werift";
import { codecForFormat } from "../codecs.ts";
import { ParleyError } from "../errors.ts";
import { mediaType } from "../http/body.ts";
import type { ApiResponse, HttpApi } from "../http/HttpApi.ts";
import type { ParleyServer } from "../server.ts";
import type { Session } from "../Session.ts";
import { candidateAddress, isForbiddenCandidateAddress, MAX_CANDIDATES_PER_REQUEST, MAX_CANDIDATES_PER_SESSION, withoutForbiddenCandidates } from "./candidate-policy.ts";
import { WebRtcEndpoint } from "./WebRtcEndpoint.ts";

const SDP_TYPE = "application/sdp";
const TRICKLE_TYPE = "application/trickle-ice-sdpfrag";
/** Longest Parley waits for its own ICE candidates before answering (non-trickle answer). */
const GATHER_TIMEOUT_MS = 3000;

/** The audio codecs Parley offers werift, in order of preference. */
function audioCodecs(): RTCRtpCodecParameters[] {
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

/** Waits until the peer connection has gathered its candidates, or the timeout passes. */
function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, GATHER_TIMEOUT_MS);
    const subscription = pc.iceGatheringStateChange.subscribe((state) => state === "complete" && done());
    function done() {
      clearTimeout(timer);
      subscription.unSubscribe();
      resolve();
    }
  });
}

/**
 * WebRTC ingest and egress by WHIP (RFC 9725): `POST /whip` with an SDP offer creates a session
 * and answers 201 with the SDP answer and its `Location`; `PATCH` there adds trickled ICE
 * candidates; `DELETE` hangs up.
 */
export class WhipTransport {
  readonly #peers = new Map<string, RTCPeerConnection>();
  /** Candidates each session's peer has trickled so far. */
  readonly #trickled = new Map<string, number>();

  constructor(readonly server: ParleyServer, http: HttpApi) {
    http.route("POST", "/whip", "whip", (request, _params, body) => this.#offer(request, body));
    http.route("PATCH", "/whip/:id", "whip", (request, params, body) => this.#trickle(request, params.id, body));
    http.route("DELETE", "/whip/:id", "whip", async (_request, params) => {
      await this.#session(params.id).hangup("whip_delete");
      return { status: 200 };
    });
  }

  /** Answers a WHIP offer, creating a session; rejects what Parley cannot take with a coded 4xx. */
  async answer(offer: string, metadata: Record<string, string> = {}): Promise<{ session: Session; answer: string }> {
    if (this.server.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    if (!/^v=0\r?\n/.test(offer) || !/\r?\nm=audio /.test(offer)) {
      throw new ParleyError("PARLEY_ERR_BAD_SDP", offer.startsWith("v=0") ? "no m=audio section" : 'the first line must be "v=0"');
    }
    const startedAt = performance.now();
    const { webrtc, rtp } = this.server.config;
    const pc = new RTCPeerConnection({
      codecs: { audio: audioCodecs() },
      iceUseIpv6: false,
      ...(webrtc.icePortMin !== undefined ? { icePortRange: [webrtc.icePortMin, webrtc.icePortMax!] as [number, number] } : {}),
      // werift names candidates after the machine's interfaces even when bound to one address, so
      // a configured interface (loopback in tests) is announced explicitly as well.
      iceAdditionalHostAddresses: [...(webrtc.interfaces ?? []), ...(webrtc.announcedAddress ? [webrtc.announcedAddress] : [])],
      ...(webrtc.interfaces?.length ? { iceInterfaceAddresses: { udp4: webrtc.interfaces[0] } } : {}),
    });
    const filtered = withoutForbiddenCandidates(offer);
    if (filtered.dropped > 0) this.server.metrics.iceCandidatesRefused.inc({ reason: "address" }, filtered.dropped);
    try {
      await pc.setRemoteDescription({ type: "offer", sdp: filtered.sdp });
    } catch {
      await pc.close();
      // werift's own message describes its code ("Cannot read properties of ..."), not the offer.
      throw new ParleyError("PARLEY_ERR_BAD_SDP", "the offer is not a WebRTC session description this server can apply");
    }
    const transceiver = pc.getTransceivers().find((t: RTCRtpTransceiver) => t.kind === "audio");
    const negotiated = transceiver?.codecs ?? [];
    const audio = negotiated.find((c) => codecName(c) !== "telephone-event");
    const spec = audio && codecForFormat({ name: codecName(audio), clockRate: audio.clockRate, channels: audio.channels ?? 1, payloadType: audio.payloadType });
    if (!transceiver || !audio || !spec) {
      await pc.close();
      throw new ParleyError("PARLEY_ERR_NO_COMMON_CODEC", negotiated.map((c) => c.mimeType).join(", ") || "none");
    }
    const event = negotiated.find((c) => codecName(c) === "telephone-event" && c.clockRate === audio.clockRate) ??
      negotiated.find((c) => codecName(c) === "telephone-event");
    const track = new MediaStreamTrack({ kind: "audio" });
    transceiver.setDirection("sendrecv");
    transceiver.sender.replaceTrack(track);
    const encoder = spec.createEncoder();
    const session = this.server.openSession(
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
          maxJitterDelayMs: rtp.maxJitterDelayMs,
          metrics: this.server.metrics,
          startedAt,
        }),
    );
    this.#peers.set(session.id, pc);
    this.#trickled.set(session.id, 0);
    // A peer that never completes ICE and DTLS would hold its socket for ever.
    const deadline = setTimeout(() => {
      if (pc.connectionState !== "connected") session.hangup("webrtc_timeout");
    }, webrtc.connectTimeoutSeconds * 1000);
    session.closed.then(() => {
      clearTimeout(deadline);
      this.#peers.delete(session.id);
      this.#trickled.delete(session.id);
    });
    try {
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
    } catch {
      await session.hangup("webrtc_failed");
      throw new ParleyError("PARLEY_ERR_BAD_SDP", "no answer could be made to the offer");
    }
    return { session, answer: pc.localDescription!.sdp };
  }

  #session(id: string): Session {
    const session = this.#peers.has(id) ? this.server.session(id) : undefined;
    if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WHIP session ${id}`);
    return session;
  }

  async #offer(request: IncomingMessage, body: () => Promise<string>): Promise<ApiResponse> {
    const type = mediaType(request);
    if (type !== SDP_TYPE) throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", SDP_TYPE);
    const query = new URL(request.url ?? "/", "http://localhost").searchParams;
    query.delete("access_token");
    const { session, answer } = await this.answer(await body(), Object.fromEntries(query));
    return { status: 201, headers: { "content-type": SDP_TYPE, location: `/whip/${session.id}`, etag: `"${session.id}"` }, body: answer };
  }

  /** Trickle ICE (RFC 9725 section 4.3): candidate lines of an SDP fragment. */
  async #trickle(request: IncomingMessage, id: string, body: () => Promise<string>): Promise<ApiResponse> {
    const pc = this.#peers.get(id);
    if (!pc) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WHIP session ${id}`);
    const type = mediaType(request);
    if (type !== TRICKLE_TYPE) throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", TRICKLE_TYPE);
    const fragment = await body();
    const mid = /^a=mid:(\S+)/m.exec(fragment)?.[1] ?? "0";
    const candidates = [...fragment.matchAll(/^a=(candidate:[^\r\n]+)/gm)].map((match) => match[1]!);
    const total = (this.#trickled.get(id) ?? 0) + candidates.length;
    if (candidates.length > MAX_CANDIDATES_PER_REQUEST || total > MAX_CANDIDATES_PER_SESSION) {
      this.server.metrics.iceCandidatesRefused.inc({ reason: "too_many" }, candidates.length);
      throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `at most ${MAX_CANDIDATES_PER_REQUEST} candidates a request and ${MAX_CANDIDATES_PER_SESSION} a session`);
    }
    this.#trickled.set(id, total);
    for (const candidate of candidates) {
      const address = candidateAddress(candidate);
      if (address === undefined || isForbiddenCandidateAddress(address)) {
        this.server.metrics.iceCandidatesRefused.inc({ reason: "address" });
        continue;
      }
      try {
        await pc.addIceCandidate({ candidate, sdpMid: mid });
      } catch {
        throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `bad ICE candidate: ${candidate.slice(0, 100)}`);
      }
    }
    return { status: 204 };
  }
}
