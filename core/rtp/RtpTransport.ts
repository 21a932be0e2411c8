import { isIP } from "node:net";
import { type CodecSpec, codecByName, codecForFormat } from "../codecs.ts";
import { ParleyError } from "../errors.ts";
import { mediaType, readJson, readText } from "../http/body.ts";
import { jsonResponse, sessionJson } from "../http/routes.ts";
import { parseSdpOffer, type SdpFormat, writeSdpAnswer } from "../sdp.ts";
import type { Session } from "../Session.ts";
import type { Transport, TransportHost } from "../transport.ts";
import { firstExternalIPv4 } from "../host-address.ts";
import { PortPool } from "./PortPool.ts";
import { type RemoteAddress, RtpEndpoint, rtcpPortBeside } from "./RtpEndpoint.ts";

/** Options of a plain RTP session opened from code (what the JSON API takes). */
export interface RtpSessionRequest {
  /** Codec name: opus, pcmu, pcma, l16. */
  codec: string;
  /** Where to send ("host:port"); without it, Parley sends to wherever the media comes from. */
  remote?: string;
  /** Free-form key/values kept on the session (caller id, account, ...). */
  metadata?: Record<string, string>;
  /** Override of the server's `rtp.symmetric`. */
  symmetric?: boolean;
  /**
   * Send to `remote` before the peer has sent anything. Only for an address the code chose itself
   * (a pipe to another Parley node): the HTTP API never sets it, since a request naming someone
   * else's address must not make Parley stream there.
   */
  sendFirst?: boolean;
}

/** A new RTP session and where Parley receives its media. */
export interface RtpSessionCreated {
  session: Session;
  host: string;
  port: number;
  codec: CodecSpec;
}

/** Dynamic payload type Parley offers for RFC 4733 events when the peer states none. */
const TELEPHONE_EVENT_PT = 101;
const SDP_TYPE = "application/sdp";

function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith("127.") || address === "::1" || address === "localhost");
}

function parseHostPort(text: unknown): RemoteAddress {
  const match = typeof text === "string" ? /^\[?([^\]]+?)\]?:(\d+)$/.exec(text) : null;
  const port = Number(match?.[2]);
  // An IP literal only: media is heard from the address named, which a packet's source can match
  // only as an IP (a host name would also cost a DNS lookup for every packet sent).
  if (!match || !isIP(match[1]) || port < 1 || port > 65535) {
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", `"remote" must be "ip:port" (or "[ipv6]:port"), not ${JSON.stringify(text)}`);
  }
  return { address: match[1], port, rtcpPort: rtcpPortBeside(port) };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new ParleyError("PARLEY_ERR_BAD_REQUEST", '"metadata" must be an object of strings');
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]));
}

declare module "../transport.ts" {
  interface TransportMap {
    rtp: RtpTransport;
  }
}

const SESSION_CREATED = {
  type: "object",
  description: "The session (as GET /v1/sessions/{id}) and where Parley receives its media",
  properties: { id: { type: "string" }, host: { type: "string" }, port: { type: "integer" }, payloadType: { type: "integer" }, clockRate: { type: "integer" } },
};

/**
 * Plain RTP over node:dgram: allocates port pairs, negotiates by SDP offer/answer or by a JSON
 * request (Asterisk externalMedia style), and creates one RtpEndpoint per session.
 */
export class RtpTransport implements Transport {
  readonly name = "rtp";
  #host?: TransportHost;
  #ports?: PortPool;

  /** Takes the port range from the configuration and adds `POST /v1/rtp`. */
  start(host: TransportHost): void {
    const { portMin, portMax, bindAddress } = host.config.rtp;
    this.#host = host;
    this.#ports = new PortPool(portMin, portMax, bindAddress);
    host.route("POST", "/v1/rtp", (request) => this.#handle(request), {
      name: "rtp",
      doc: {
        summary: "Opens a plain RTP session, by SDP offer/answer or by a JSON request",
        requestBody: {
          "application/sdp": { type: "string" },
          "application/json": {
            type: "object",
            required: ["codec"],
            properties: { codec: { enum: ["opus", "pcmu", "pcma", "l16"] }, remote: { type: "string" }, metadata: { type: "object", additionalProperties: { type: "string" } }, symmetric: { type: "boolean" } },
          },
        },
        query: { symmetric: { description: "Send to wherever the media comes from (true/false)" } },
        responses: { "201": { description: "Created: an SDP answer, or the session as JSON", content: { "application/sdp": { type: "string" }, "application/json": SESSION_CREATED } } },
      },
    });
  }

  /** Nothing to release: each session releases its own ports. */
  async close(): Promise<void> {}

  /** Port pairs in use. */
  get portsInUse(): number {
    return this.#ports?.used ?? 0;
  }

  get #server(): TransportHost {
    if (!this.#host) throw new Error("the RTP transport has not been started");
    return this.#host;
  }

  /** Opens a session for a codec, sending to `remote` if given (else to wherever media comes from). */
  async open(request: RtpSessionRequest): Promise<RtpSessionCreated> {
    const codec = codecByName(request.codec);
    const remote = request.remote === undefined ? undefined : parseHostPort(request.remote);
    return this.#create(codec, { payloadType: TELEPHONE_EVENT_PT, clockRate: 8000 }, remote, false, request.metadata ?? {}, request.symmetric, request.sendFirst);
  }

  /** Answers an SDP offer: picks the first offered codec Parley supports. */
  async answer(offerText: string, metadata: Record<string, string> = {}, symmetric?: boolean): Promise<{ created: RtpSessionCreated; answer: string }> {
    const offer = parseSdpOffer(offerText);
    let chosen: { format: SdpFormat; codec: CodecSpec } | undefined;
    for (const format of offer.formats) {
      const codec = codecForFormat(format);
      if (codec) {
        chosen = { format, codec };
        break;
      }
    }
    if (!chosen) throw new ParleyError("PARLEY_ERR_NO_COMMON_CODEC", offer.formats.map((f) => `${f.name}/${f.clockRate}`).join(", ") || "none");
    const event = offer.formats.find((f) => f.name === "telephone-event" && f.clockRate === chosen.codec.clockRate) ??
      offer.formats.find((f) => f.name === "telephone-event");
    const remote: RemoteAddress = { address: offer.address, port: offer.port, rtcpPort: offer.rtcpMux ? offer.port : offer.rtcpPort ?? rtcpPortBeside(offer.port) };
    const created = await this.#create(chosen.codec, event && { payloadType: event.payloadType, clockRate: event.clockRate }, offer.port === 0 ? undefined : remote, offer.rtcpMux, metadata, symmetric);
    const answer = writeSdpAnswer({
      address: created.host,
      port: created.port,
      format: { ...chosen.format, fmtp: chosen.codec.fmtp },
      telephoneEvent: event,
      rtcpMux: offer.rtcpMux,
      direction: offer.direction,
      sessionId: created.session.id,
      ptime: offer.ptime,
    });
    return { created, answer };
  }

  async #create(
    codec: CodecSpec,
    telephoneEvent: { payloadType: number; clockRate: number } | undefined,
    remote: RemoteAddress | undefined,
    rtcpMux: boolean,
    metadata: Record<string, string>,
    symmetric = this.#server.config.rtp.symmetric,
    sendFirst = false,
  ): Promise<RtpSessionCreated> {
    if (this.#server.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
    const { announcedAddress, bindAddress } = this.#server.config.rtp;
    const host = announcedAddress ??
      (bindAddress !== "0.0.0.0" && bindAddress !== "::" ? bindAddress : isLoopback(remote?.address) || !remote ? "127.0.0.1" : firstExternalIPv4() ?? "127.0.0.1");
    const pair = await this.#ports!.allocate();
    try {
      // The server may have begun closing while the ports were bound: its hangup of every session
      // has then passed this one by, so it must not start (its ports would stay bound for good).
      if (this.#server.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
      const encoder = codec.createEncoder();
      const session = this.#server.openSession(
        {
          transport: "rtp",
          codec: codec.name,
          sampleRate: codec.pcmRate,
          decodableRates: codec.decodableRates,
          outputRate: encoder.sampleRate,
          frameSamples: encoder.sampleRate / 50,
          remote: remote && `${remote.address}:${remote.port}`,
          local: `${host}:${pair.port}`,
          metadata,
        },
        (session) =>
          new RtpEndpoint(session, {
            pair,
            codec,
            encoder,
            telephoneEvent,
            remote,
            rtcpMux,
            symmetric,
            sendFirst: sendFirst && remote !== undefined,
            latchAnySource: this.#server.config.rtp.latchAnySource,
            timeoutMs: this.#server.config.rtp.timeoutSeconds * 1000,
            maxJitterDelayMs: this.#server.config.rtp.maxJitterDelayMs,
            metrics: this.#server.metrics,
          }),
      );
      return { session, host, port: pair.port, codec };
    } catch (error) {
      await pair.release();
      throw error;
    }
  }

  async #handle(request: Request): Promise<Response> {
    const type = mediaType(request);
    const query = new URL(request.url).searchParams;
    const symmetric = query.has("symmetric") ? query.get("symmetric") !== "false" : undefined;
    if (type === SDP_TYPE) {
      const { created, answer } = await this.answer(await readText(request), Object.fromEntries(query), symmetric);
      return new Response(answer, { status: 201, headers: { "content-type": SDP_TYPE, location: `/v1/sessions/${created.session.id}` } });
    }
    if (type !== "application/json") throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", `${SDP_TYPE} or application/json`);
    const json = await readJson(request);
    if (json.symmetric !== undefined && typeof json.symmetric !== "boolean") throw new ParleyError("PARLEY_ERR_BAD_REQUEST", '"symmetric" must be true or false');
    const created = await this.open({
      codec: json.codec as string,
      remote: json.remote as string | undefined,
      metadata: parseMetadata(json.metadata),
      symmetric: (json.symmetric as boolean | undefined) ?? symmetric,
    });
    const body = { ...sessionJson(created.session), host: created.host, port: created.port, payloadType: created.codec.payloadType, clockRate: created.codec.clockRate };
    return jsonResponse(body, 201, { location: `/v1/sessions/${created.session.id}` });
  }
}
