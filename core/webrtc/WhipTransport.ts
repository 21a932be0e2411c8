import type { RTCPeerConnection, RTCRtpCodecParameters, RTCRtpTransceiver } from "werift";
import { codecForFormat } from "../codecs.ts";
import { ParleyError } from "../errors.ts";
import { mediaType, readText } from "../http/body.ts";
import type { CallSession, Session } from "../Session.ts";
import type { Transport, TransportHost } from "../transport.ts";
import {
  type CandidateRefusal,
  candidateAddress,
  candidateRefusal,
  isHostileRefusal,
  MAX_CANDIDATES_PER_REQUEST,
  MAX_CANDIDATES_PER_SESSION,
  screenOffer,
} from "./candidate-policy.ts";

declare module "../transport.ts" {
  interface TransportMap {
    whip: WhipTransport;
  }
}

/** werift and the endpoint built on it, loaded when the transport starts (`import "parley"` does not load them). */
interface Libraries {
  werift: typeof import("werift");
  WebRtcEndpoint: typeof import("./WebRtcEndpoint.ts").WebRtcEndpoint;
}

async function loadLibraries(): Promise<Libraries> {
  const [werift, endpoint] = await Promise.all([import("werift"), import("./WebRtcEndpoint.ts")]);
  return { werift, WebRtcEndpoint: endpoint.WebRtcEndpoint };
}

const SDP_TYPE = "application/sdp";
const TRICKLE_TYPE = "application/trickle-ice-sdpfrag";
/** Longest Parley waits for its own ICE candidates before answering (non-trickle answer). */
const GATHER_TIMEOUT_MS = 3000;

/** The audio codecs Parley offers werift, in order of preference. */
function audioCodecs({ RTCRtpCodecParameters }: Libraries["werift"]): RTCRtpCodecParameters[] {
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

const REFUSAL_TEXT: Record<CandidateRefusal, string> = {
  hostname: "a host name (Parley resolves no names)",
  unsupported: "not a UDP candidate",
  malformed: "not a well-formed candidate (port 1-65535, numeric component and priority, typ)",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  reserved: "a reserved address",
};

/** One WHIP resource: its session, its peer connection and how many candidates its peer has given. */
interface WhipResource {
  readonly session: CallSession;
  readonly pc: RTCPeerConnection;
  candidates: number;
}

/**
 * WebRTC ingest and egress by WHIP (RFC 9725): `POST /whip` with an SDP offer creates a session
 * and answers 201 with the SDP answer and its `Location`; `PATCH` there adds trickled ICE
 * candidates; `DELETE` hangs up.
 */
export class WhipTransport implements Transport {
  readonly name = "whip";
  readonly #resources = new Map<string, WhipResource>();
  #host?: TransportHost;
  #libraries?: Promise<Libraries>;

  /** Adds the WHIP routes and loads werift; resolves once it is loaded. */
  async start(host: TransportHost): Promise<void> {
    this.#host = host;
    host.route("POST", "/whip", (request) => this.#offer(request), {
      name: "whip",
      doc: {
        summary: "WHIP (RFC 9725): an SDP offer opens a WebRTC session",
        requestBody: { [SDP_TYPE]: { type: "string" } },
        responses: { "201": { description: "The SDP answer; Location names the WHIP resource", content: { [SDP_TYPE]: { type: "string" } } } },
      },
    });
    host.route("PATCH", "/whip/:id", (request, params) => this.#trickle(request, params.id!), {
      name: "whip",
      doc: { summary: "Trickle ICE: candidates of an SDP fragment", requestBody: { [TRICKLE_TYPE]: { type: "string" } }, responses: { "204": { description: "Candidates added" } } },
    });
    host.route("DELETE", "/whip/:id", async (_request, params) => {
      await this.#resource(params.id!).session.hangup("whip_delete");
      return new Response(null, { status: 200 });
    }, { name: "whip", doc: { summary: "Ends a WHIP session", responses: { "200": { description: "Hung up" } } } });
    this.#libraries = loadLibraries();
    await this.#libraries;
  }

  /** Nothing to release: each session closes its own peer connection. */
  async close(): Promise<void> {}

  get #server(): TransportHost {
    if (!this.#host) throw new Error("the WHIP transport has not been started");
    return this.#host;
  }

  /** Answers a WHIP offer, creating a session; rejects what Parley cannot take with a coded 4xx. */
  async answer(offer: string, metadata: Record<string, string> = {}): Promise<{ session: Session; answer: string }> {
    if (!this.#libraries) throw new Error("the WHIP transport has not been started");
    const libraries = await this.#libraries;
    if (this.#server.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    if (!/^v=0\r?\n/.test(offer) || !/\r?\nm=audio /.test(offer)) {
      throw new ParleyError("PARLEY_ERR_BAD_SDP", offer.startsWith("v=0") ? "no m=audio section" : 'the first line must be "v=0"');
    }
    const screened = screenOffer(offer);
    if (screened.candidates > MAX_CANDIDATES_PER_SESSION) {
      this.#server.metrics.iceCandidatesRefused.inc({ reason: "too_many" }, screened.candidates);
      throw new ParleyError("PARLEY_ERR_TOO_MANY_CANDIDATES", `the offer carries ${screened.candidates}, at most ${MAX_CANDIDATES_PER_SESSION} are taken`);
    }
    for (const [reason, count] of Object.entries(screened.refused)) this.#server.metrics.iceCandidatesRefused.inc({ reason }, count);
    const startedAt = performance.now();
    const pc = this.#peerConnection(libraries.werift);
    let session: CallSession | undefined;
    try {
      session = await this.#openSession(libraries, pc, screened.sdp, metadata, startedAt);
      this.#own(session, pc, screened.candidates);
      await this.#makeAnswer(pc, session);
      return { session, answer: pc.localDescription!.sdp };
    } catch (error) {
      if (session) await session.hangup("webrtc_failed");
      else await closeUnowned(pc);
      throw error;
    }
  }

  #peerConnection(werift: Libraries["werift"]): RTCPeerConnection {
    const { webrtc } = this.#server.config;
    return new werift.RTCPeerConnection({
      codecs: { audio: audioCodecs(werift) },
      iceUseIpv6: false,
      ...(webrtc.icePortMin !== undefined ? { icePortRange: [webrtc.icePortMin, webrtc.icePortMax!] as [number, number] } : {}),
      // werift names candidates after the machine's interfaces even when bound to one address, so
      // a configured interface (loopback in tests) is announced explicitly as well.
      iceAdditionalHostAddresses: [...(webrtc.interfaces ?? []), ...(webrtc.announcedAddress ? [webrtc.announcedAddress] : [])],
      ...(webrtc.interfaces?.length ? { iceInterfaceAddresses: { udp4: webrtc.interfaces[0] } } : {}),
    });
  }

  /** Applies the (screened) offer, picks the codec and opens the session; throws a coded 4xx for an offer Parley cannot take. */
  async #openSession({ werift, WebRtcEndpoint }: Libraries, pc: RTCPeerConnection, offer: string, metadata: Record<string, string>, startedAt: number): Promise<CallSession> {
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
    if (this.#server.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    const event = negotiated.find((c) => codecName(c) === "telephone-event" && c.clockRate === audio.clockRate) ??
      negotiated.find((c) => codecName(c) === "telephone-event");
    const track = new werift.MediaStreamTrack({ kind: "audio" });
    transceiver.setDirection("sendrecv");
    transceiver.sender.replaceTrack(track);
    const encoder = spec.createEncoder();
    return this.#server.openSession(
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
          maxJitterDelayMs: this.#server.config.rtp.maxJitterDelayMs,
          mediaTimeoutMs: this.#server.config.webrtc.mediaTimeoutSeconds * 1000,
          metrics: this.#server.metrics,
          startedAt,
        }),
    );
  }

  /** Registers the session's resource and its connect deadline, both released when the session ends. */
  #own(session: CallSession, pc: RTCPeerConnection, candidates: number): void {
    this.#resources.set(session.id, { session, pc, candidates });
    // A peer that never completes ICE and DTLS would hold its socket for ever.
    const deadline = setTimeout(() => {
      if (pc.connectionState !== "connected") void session.hangup("webrtc_timeout");
    }, this.#server.config.webrtc.connectTimeoutSeconds * 1000);
    session.closed.then(() => {
      clearTimeout(deadline);
      this.#resources.delete(session.id);
    });
  }

  async #makeAnswer(pc: RTCPeerConnection, session: CallSession): Promise<void> {
    try {
      await pc.setLocalDescription(await pc.createAnswer());
    } catch {
      throw new ParleyError("PARLEY_ERR_BAD_SDP", "no answer could be made to the offer");
    }
    await gathered(pc, session);
    // Ended while gathering (server shutdown, or hung up by embedding code): there is nothing to answer for.
    if (session.ended) throw new ParleyError(this.#server.shuttingDown ? "PARLEY_ERR_SHUTTING_DOWN" : "PARLEY_ERR_SESSION_CLOSED", session.id);
  }

  #resource(id: string): WhipResource {
    const resource = this.#resources.get(id);
    if (!resource || resource.session.ended) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WHIP session ${id}`);
    return resource;
  }

  async #offer(request: Request): Promise<Response> {
    const type = mediaType(request);
    if (type !== SDP_TYPE) throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", SDP_TYPE);
    const query = new URL(request.url).searchParams;
    query.delete("access_token");
    const { session, answer } = await this.answer(await readText(request), Object.fromEntries(query));
    return new Response(answer, { status: 201, headers: { "content-type": SDP_TYPE, location: `/whip/${session.id}`, etag: `"${session.id}"` } });
  }

  /**
   * Trickle ICE (RFC 9725 section 4.3): candidate lines of an SDP fragment. TCP candidates and host
   * names are discarded (as RFC 9725 asks of transports and addresses a server cannot use); a
   * fragment with a malformed candidate or one naming an unspecified, broadcast, multicast or
   * reserved address is refused whole with 422.
   */
  async #trickle(request: Request, id: string): Promise<Response> {
    const resource = this.#resource(id);
    const type = mediaType(request);
    if (type !== TRICKLE_TYPE) throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", TRICKLE_TYPE);
    const fragment = await readText(request);
    const mid = /^a=mid:(\S+)/m.exec(fragment)?.[1] ?? "0";
    const candidates = [...fragment.matchAll(/^a=(candidate:[^\r\n]+)/gm)].map((match) => match[1]!);
    const refused = this.#server.metrics.iceCandidatesRefused;
    if (candidates.length > MAX_CANDIDATES_PER_REQUEST || resource.candidates + candidates.length > MAX_CANDIDATES_PER_SESSION) {
      refused.inc({ reason: "too_many" }, candidates.length);
      throw new ParleyError("PARLEY_ERR_TOO_MANY_CANDIDATES",
        `${candidates.length} in this request after ${resource.candidates} before; at most ${MAX_CANDIDATES_PER_REQUEST} a request and ${MAX_CANDIDATES_PER_SESSION} a session`);
    }
    resource.candidates += candidates.length;
    const screened = candidates.map((candidate) => ({ candidate, address: candidateAddress(candidate), refusal: candidateRefusal(candidate) }));
    for (const { refusal } of screened) if (refusal) refused.inc({ reason: refusal });
    const hostile = screened.find(({ refusal }) => refusal && isHostileRefusal(refusal));
    if (hostile) {
      throw new ParleyError("PARLEY_ERR_CANDIDATE_REFUSED",
        `${hostile.refusal === "malformed" ? hostile.candidate.slice(0, 100) : hostile.address} is ${REFUSAL_TEXT[hostile.refusal!]}; Parley checks only unicast IP addresses, so none of this request's candidates were added`);
    }
    for (const { candidate, refusal } of screened) {
      if (refusal) continue;
      try {
        await resource.pc.addIceCandidate({ candidate, sdpMid: mid });
      } catch {
        throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `bad ICE candidate: ${candidate.slice(0, 100)}`);
      }
    }
    return new Response(null, { status: 204 });
  }
}
