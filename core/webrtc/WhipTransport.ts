import { ParleyError } from "../errors.ts";
import { mediaType, readText } from "../http/body.ts";
import type { Session } from "../Session.ts";
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
import type { WebRtcEdge, WebRtcLeg } from "./edge.ts";

declare module "../transport.ts" {
  interface TransportMap {
    whip: WhipTransport;
  }
}

/** Starts the configured edge, loading its library only then (`import "parley"` loads neither). */
async function startEdge(host: TransportHost): Promise<WebRtcEdge> {
  if (host.config.webrtc.edge === "mediasoup") return (await import("./mediasoup-edge.ts")).MediasoupEdge.start(host);
  return (await import("./werift-edge.ts")).WeriftEdge.start(host);
}

const SDP_TYPE = "application/sdp";
const TRICKLE_TYPE = "application/trickle-ice-sdpfrag";

const REFUSAL_TEXT: Record<CandidateRefusal, string> = {
  hostname: "a host name (Parley resolves no names)",
  unsupported: "not a UDP candidate",
  malformed: "not a well-formed candidate (port 1-65535, numeric component and priority, typ)",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  multicast: "a multicast address",
  reserved: "a reserved address",
};

/** One WHIP resource: its leg and how many candidates its peer has given. */
interface WhipResource {
  readonly leg: WebRtcLeg;
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
  #edge?: Promise<WebRtcEdge>;

  /** Adds the WHIP routes and starts the configured edge (werift's module, or mediasoup's workers); resolves once it is up. */
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
      await this.#resource(params.id!).leg.session.hangup("whip_delete");
      return new Response(null, { status: 200 });
    }, { name: "whip", doc: { summary: "Ends a WHIP session", responses: { "200": { description: "Hung up" } } } });
    this.#edge = startEdge(host);
    await this.#edge;
  }

  /** Stops the edge (the mediasoup workers); the sessions are ended by then. */
  async close(): Promise<void> {
    await (await this.#edge?.catch(() => undefined))?.close();
  }

  /** The edge in use: "werift" or "mediasoup". */
  get edge(): string {
    return this.#server.config.webrtc.edge;
  }

  get #server(): TransportHost {
    if (!this.#host) throw new Error("the WHIP transport has not been started");
    return this.#host;
  }

  /** Answers a WHIP offer, creating a session; rejects what Parley cannot take with a coded 4xx. */
  async answer(offer: string, metadata: Record<string, string> = {}): Promise<{ session: Session; answer: string }> {
    if (!this.#edge) throw new Error("the WHIP transport has not been started");
    const edge = await this.#edge;
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
    const { leg, answer } = await edge.answer(screened.sdp, metadata, performance.now());
    const { session } = leg;
    this.#resources.set(session.id, { leg, candidates: screened.candidates });
    session.closed.then(() => this.#resources.delete(session.id));
    return { session, answer };
  }

  #resource(id: string): WhipResource {
    const resource = this.#resources.get(id);
    if (!resource || resource.leg.session.ended) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `WHIP session ${id}`);
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
        await resource.leg.addCandidate(candidate, mid);
      } catch {
        throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `bad ICE candidate: ${candidate.slice(0, 100)}`);
      }
    }
    return new Response(null, { status: 204 });
  }
}
