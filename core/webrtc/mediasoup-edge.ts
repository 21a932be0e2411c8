// mediasoup as the WebRTC edge: its C++ workers (one per core) do ICE, DTLS and SRTP, so none of
// that costs the event loop. Each browser's audio is tapped through a PlainTransport into an
// ordinary Parley RTP leg on loopback (its jitter buffer, decoder and plugins, as for any caller),
// and Parley's audio goes back through a PlainTransport producer that the browser consumes.
import { createSocket, type Socket } from "node:dgram";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import * as mediasoup from "mediasoup";
import type { types } from "mediasoup";
import * as sdp from "sdp-transform";
import { codecForFormat } from "../codecs.ts";
import { ParleyError } from "../errors.ts";
import { firstExternalIPv4 } from "../host-address.ts";
import type { SocketPair } from "../rtp/PortPool.ts";
import { RtpEndpoint, type RtpEndpointOptions } from "../rtp/RtpEndpoint.ts";
import type { CallSession } from "../Session.ts";
import type { TransportHost } from "../transport.ts";
import type { WebRtcEdge, WebRtcLeg } from "./edge.ts";

const OPUS: Omit<types.RouterRtpCodecCapability, "preferredPayloadType"> = { kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2 };
const MID_EXTENSION = "urn:ietf:params:rtp-hdrext:sdes:mid";
/** Restarts of a worker that keeps dying are spaced by this much. */
const RESPAWN_DELAY_MS = 1000;

/** What Parley needs of a browser's offer to set up mediasoup's side of the call. */
interface Offer {
  mid: string;
  fingerprint: types.DtlsFingerprint;
  /** The browser's DTLS role, from its `a=setup`. */
  remoteRole: "client" | "server";
  opus: { payloadType: number; fmtp: string };
  /** The SSRC and CNAME the browser sends with, when it announces them. */
  source?: { ssrc: number; cname: string };
  midExtension?: number;
  sends: boolean;
  receives: boolean;
}

function parseOffer(text: string): Offer {
  let parsed: sdp.SessionDescription;
  try {
    parsed = sdp.parse(text);
  } catch {
    throw new ParleyError("PARLEY_ERR_BAD_SDP", "the offer could not be parsed");
  }
  const media = parsed.media?.find((m) => m.type === "audio");
  if (!media) throw new ParleyError("PARLEY_ERR_BAD_SDP", "no m=audio section");
  const fingerprint = media.fingerprint ?? parsed.fingerprint;
  const algorithm = fingerprint?.type.toLowerCase();
  if (!fingerprint || !["sha-1", "sha-224", "sha-256", "sha-384", "sha-512"].includes(algorithm!)) throw new ParleyError("PARLEY_ERR_BAD_SDP", "no usable a=fingerprint (DTLS)");
  if (!(media.iceUfrag ?? parsed.iceUfrag) || !(media.icePwd ?? parsed.icePwd)) throw new ParleyError("PARLEY_ERR_BAD_SDP", "no ICE credentials (a=ice-ufrag, a=ice-pwd)");
  const rtp = media.rtp.find((r) => r.codec.toLowerCase() === "opus" && r.rate === 48000);
  if (!rtp) throw new ParleyError("PARLEY_ERR_NO_COMMON_CODEC", media.rtp.map((r) => `${r.codec}/${r.rate}`).join(", ") || "none");
  const cname = media.ssrcs?.find((s) => s.attribute === "cname");
  const direction = media.direction ?? parsed.direction ?? "sendrecv";
  const setup = media.setup ?? parsed.setup ?? "actpass";
  return {
    mid: String(media.mid ?? "0"),
    fingerprint: { algorithm: algorithm as types.FingerprintAlgorithm, value: fingerprint.hash },
    remoteRole: setup === "passive" ? "server" : "client",
    opus: { payloadType: rtp.payload, fmtp: media.fmtp.find((f) => f.payload === rtp.payload)?.config ?? "" },
    source: cname && { ssrc: Number(cname.id), cname: cname.value ?? "" },
    midExtension: media.ext?.find((e) => e.uri === MID_EXTENSION)?.value,
    sends: direction === "sendrecv" || direction === "sendonly",
    receives: direction === "sendrecv" || direction === "recvonly",
  };
}

function answerDirection(offer: Offer): "sendrecv" | "sendonly" | "recvonly" | "inactive" {
  if (offer.sends && offer.receives) return "sendrecv";
  return offer.sends ? "recvonly" : offer.receives ? "sendonly" : "inactive";
}

function bindLoopback(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket("udp4");
    socket.once("error", reject);
    socket.bind(0, "127.0.0.1", () => resolve(socket));
  });
}

/**
 * Parley's end of the loopback leg to a worker. It stays off the RTP port range: only the worker on
 * this host sends to it, and RTCP is multiplexed, so its second socket only completes the pair.
 */
async function loopbackPair(): Promise<SocketPair> {
  const [rtp, rtcp] = await Promise.all([bindLoopback(), bindLoopback()]);
  const close = (socket: Socket) => new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
  let released: Promise<void> | undefined;
  return { rtp, rtcp, port: rtp.address().port, release: () => released ??= Promise.all([close(rtp), close(rtcp)]).then(() => {}) };
}

/**
 * Parley's end of the loopback leg to a worker's PlainTransport on `plainPort`: it hears only that
 * port, sends to it at once (Parley chose the address itself) and multiplexes RTCP.
 */
export function loopbackLegOptions(base: Pick<RtpEndpointOptions, "pair" | "codec" | "encoder" | "metrics" | "timeoutMs" | "maxJitterDelayMs">, plainPort: number): RtpEndpointOptions {
  return { ...base, remote: { address: "127.0.0.1", port: plainPort }, rtcpMux: true, symmetric: false, sendFirst: true, latchAnySource: false };
}

/**
 * One worker and its routers, with the sessions it carries. A consumer sends with its router's
 * payload types, and a browser expects the ones of its own offer, so a worker has one router per
 * Opus payload type offered (111 from every browser in practice).
 */
interface Slot {
  worker: types.Worker;
  routers: Map<number, Promise<types.Router>>;
  sessions: number;
}

/** Where mediasoup's worker binary is (`MEDIASOUP_WORKER_BIN` overrides), and whether it is built. */
export function mediasoupWorker(): { path: string; built: boolean } {
  const path = process.env.MEDIASOUP_WORKER_BIN ?? mediasoup.workerBin;
  return { path, built: existsSync(path) };
}

/** WebRTC on mediasoup workers: each session a WebRtcTransport for the browser and a PlainTransport to Parley. */
export class MediasoupEdge implements WebRtcEdge {
  readonly name = "mediasoup";
  readonly #slots: Slot[] = [];
  #closing = false;

  private constructor(readonly host: TransportHost) {}

  /** Starts the workers (config `webrtc.workers`, default one per core); throws PARLEY_ERR_CONFIG when the worker is not built. */
  static async start(host: TransportHost): Promise<MediasoupEdge> {
    const worker = mediasoupWorker();
    if (!worker.built) {
      throw new ParleyError("PARLEY_ERR_CONFIG", `the mediasoup edge needs mediasoup's worker, which is not built (${worker.path}): install the libraries the README names and run "sh scripts/mediasoup/build-worker.sh"`);
    }
    const edge = new MediasoupEdge(host);
    const count = host.config.webrtc.workers ?? availableParallelism();
    try {
      for (let index = 0; index < count; index++) edge.#slots.push(await edge.#spawn(index));
    } catch (error) {
      await edge.close();
      throw error;
    }
    return edge;
  }

  /** The number of workers running. */
  get workers(): number {
    return this.#slots.length;
  }

  /** Stops the workers and resolves once their processes have exited. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map(({ worker }) => {
      const exited = worker.subprocessClosed ? Promise.resolve() : new Promise<void>((resolve) => worker.once("subprocessclose", resolve));
      worker.close();
      return exited;
    }));
  }

  async #spawn(index: number): Promise<Slot> {
    const worker = await mediasoup.createWorker({ logLevel: "error", disableLiburing: true });
    const slot: Slot = { worker, routers: new Map(), sessions: 0 };
    worker.on("died", (error) => {
      // Its transports close with it, which ends their sessions (routerclose); new calls go to a new worker.
      this.host.log.error({ err: error, worker: index }, "a mediasoup worker died; starting another");
      if (this.#closing) return;
      setTimeout(() => {
        if (this.#closing) return;
        this.#spawn(index).then((next) => this.#slots.splice(this.#slots.indexOf(slot), 1, next)).catch((err) => this.host.log.error({ err }, "a mediasoup worker could not be started again"));
      }, RESPAWN_DELAY_MS);
    });
    return slot;
  }

  /** The live worker with the fewest sessions. */
  #pick(): Slot {
    const live = this.#slots.filter((slot) => !slot.worker.closed);
    if (live.length === 0) throw new ParleyError("PARLEY_ERR_UNAVAILABLE", "no mediasoup worker is running");
    return live.reduce((best, slot) => (slot.sessions < best.sessions ? slot : best));
  }

  /** The worker's router whose Opus has `payloadType`, created on first use. */
  #router(slot: Slot, payloadType: number): Promise<types.Router> {
    let router = slot.routers.get(payloadType);
    if (!router) {
      router = slot.worker.createRouter({ mediaCodecs: [{ ...OPUS, preferredPayloadType: payloadType }] });
      slot.routers.set(payloadType, router);
      router.catch(() => slot.routers.delete(payloadType));
    }
    return router;
  }

  #listenInfo(): types.TransportListenInfo {
    const { webrtc } = this.host.config;
    const ip = webrtc.interfaces?.[0] ?? "0.0.0.0";
    const announcedAddress = webrtc.announcedAddress ?? (ip === "0.0.0.0" ? firstExternalIPv4() ?? "127.0.0.1" : undefined);
    return {
      protocol: "udp",
      ip,
      ...(announcedAddress && { announcedAddress }),
      ...(webrtc.icePortMin !== undefined && { portRange: { min: webrtc.icePortMin, max: webrtc.icePortMax! } }),
    };
  }

  async answer(offerText: string, metadata: Record<string, string>, startedAt: number): Promise<{ leg: WebRtcLeg; answer: string }> {
    const offer = parseOffer(offerText);
    const slot = this.#pick();
    const router = await this.#router(slot, offer.opus.payloadType).catch(serverFault);
    const browser = await router.createWebRtcTransport({ listenInfos: [this.#listenInfo()], enableUdp: true, enableTcp: false }).catch(serverFault);
    const plain = await router.createPlainTransport({ listenInfo: { protocol: "udp", ip: "127.0.0.1" }, rtcpMux: true, comedia: false })
      .catch((error) => {
        browser.close();
        return serverFault(error);
      });
    let pair: SocketPair | undefined;
    let session: CallSession | undefined;
    try {
      await browser.connect({ dtlsParameters: { role: offer.remoteRole, fingerprints: [offer.fingerprint] } }).catch(offerFault);
      const payloadType = offer.opus.payloadType;
      const codec = codecForFormat({ name: "opus", clockRate: 48000, channels: 2, payloadType })!;
      const encoder = codec.createEncoder();
      pair = await loopbackPair();
      if (this.host.shuttingDown) throw new ParleyError("PARLEY_ERR_SHUTTING_DOWN");
      const loopback = pair;
      let endpoint!: RtpEndpoint;
      session = this.host.openSession(
        { transport: "webrtc", codec: codec.name, sampleRate: codec.pcmRate, decodableRates: codec.decodableRates, outputRate: encoder.sampleRate, frameSamples: encoder.sampleRate / 50, metadata },
        (created) =>
          endpoint = new RtpEndpoint(created, loopbackLegOptions({
            pair: loopback,
            codec,
            encoder,
            // A browser that stops sending (a closed tab) is hung up as on werift; the first packets may take the whole connect time.
            timeoutMs: Math.max(this.host.config.webrtc.mediaTimeoutSeconds, this.host.config.webrtc.connectTimeoutSeconds) * 1000,
            maxJitterDelayMs: this.host.config.rtp.maxJitterDelayMs,
            metrics: this.host.metrics,
          }, plain.tuple.localPort)),
      );
      slot.sessions++;
      const owned = session;
      session.closed.then(() => {
        slot.sessions--;
        browser.close();
        plain.close();
      });
      this.#watch(owned, browser, startedAt);
      await plain.connect({ ip: "127.0.0.1", port: loopback.port });
      if (offer.sends) {
        const producer = await browser.produce({
          kind: "audio",
          rtpParameters: {
            mid: offer.mid,
            codecs: [{ mimeType: "audio/opus", payloadType, clockRate: 48000, channels: 2, parameters: sdp.parseParams(offer.opus.fmtp), rtcpFeedback: [] }],
            headerExtensions: offer.midExtension === undefined ? [] : [{ uri: MID_EXTENSION, id: offer.midExtension }],
            encodings: [offer.source ? { ssrc: offer.source.ssrc } : {}],
            rtcp: { cname: offer.source?.cname || "browser", reducedSize: true },
          },
        }).catch(offerFault);
        await plain.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
      }
      let outbound: types.Consumer | undefined;
      if (offer.receives) {
        const back = await plain.produce({
          kind: "audio",
          rtpParameters: { codecs: [{ mimeType: "audio/opus", payloadType, clockRate: 48000, channels: 2, rtcpFeedback: [] }], encodings: [{ ssrc: endpoint.ssrc }], rtcp: { cname: "parley", reducedSize: true } },
        });
        outbound = await browser.consume({
          producerId: back.id,
          rtpCapabilities: { codecs: [{ kind: "audio", mimeType: "audio/opus", preferredPayloadType: payloadType, clockRate: 48000, channels: 2 }], headerExtensions: [] },
        });
      }
      if (session.ended) throw new ParleyError(this.host.shuttingDown ? "PARLEY_ERR_SHUTTING_DOWN" : "PARLEY_ERR_SESSION_CLOSED", session.id);
      // mediasoup is ICE-lite and learns the browser's address from its checks: trickled candidates are not needed.
      const leg: WebRtcLeg = { session, addCandidate: async () => {} };
      return { leg, answer: this.#answerSdp(offer, browser, outbound) };
    } catch (error) {
      if (session) await session.hangup("webrtc_failed");
      else {
        browser.close();
        plain.close();
        await pair?.release();
      }
      return serverFault(error);
    }
  }

  /** Ends the session when DTLS fails or closes, when it has not connected in time, or when its worker dies; times ICE and DTLS. */
  #watch(session: CallSession, browser: types.WebRtcTransport, startedAt: number): void {
    const { metrics, config } = this.host;
    let iceConnectedAt: number | undefined;
    browser.on("icestatechange", (state) => {
      if ((state === "connected" || state === "completed") && iceConnectedAt === undefined) {
        iceConnectedAt = performance.now();
        metrics.iceConnectSeconds.observe((iceConnectedAt - startedAt) / 1000);
      }
    });
    browser.on("dtlsstatechange", (state) => {
      if (state === "connected" && iceConnectedAt !== undefined) metrics.dtlsConnectSeconds.observe((performance.now() - iceConnectedAt) / 1000);
      if (state === "failed" || state === "closed") void session.hangup(state === "failed" ? "webrtc_failed" : "webrtc_closed");
    });
    browser.on("routerclose", () => void session.hangup("webrtc_failed"));
    const deadline = setTimeout(() => {
      if (browser.dtlsState !== "connected") void session.hangup("webrtc_timeout");
    }, config.webrtc.connectTimeoutSeconds * 1000);
    session.closed.then(() => clearTimeout(deadline));
  }

  #answerSdp(offer: Offer, browser: types.WebRtcTransport, outbound: types.Consumer | undefined): string {
    const fingerprint = browser.dtlsParameters.fingerprints.find((f) => f.algorithm === "sha-256")!;
    const [first] = browser.iceCandidates;
    const payloadType = offer.opus.payloadType;
    const media: sdp.MediaDescription = {
      type: "audio",
      port: first?.port ?? 9,
      protocol: "UDP/TLS/RTP/SAVPF",
      payloads: String(payloadType),
      connection: { version: 4, ip: first?.address ?? "0.0.0.0" },
      mid: offer.mid,
      direction: answerDirection(offer),
      iceUfrag: browser.iceParameters.usernameFragment,
      icePwd: browser.iceParameters.password,
      fingerprint: { type: fingerprint.algorithm, hash: fingerprint.value },
      setup: offer.remoteRole === "client" ? "passive" : "active",
      rtcpMux: "rtcp-mux",
      rtp: [{ payload: payloadType, codec: "opus", rate: 48000, encoding: 2 }],
      fmtp: [{ payload: payloadType, config: "minptime=10;useinbandfec=1" }],
      candidates: browser.iceCandidates.map((c) => ({ foundation: c.foundation, component: 1, transport: c.protocol, priority: c.priority, ip: c.address, port: c.port, type: c.type })),
      endOfCandidates: "end-of-candidates",
      ...(offer.midExtension !== undefined && { ext: [{ value: offer.midExtension, uri: MID_EXTENSION }] }),
      // A stream and track id: without them some peers (werift) never surface the track they receive.
      ...(outbound && { msid: [{ id: "parley", appdata: outbound.id }], ssrcs: [{ id: outbound.rtpParameters.encodings![0]!.ssrc!, attribute: "cname", value: outbound.rtpParameters.rtcp?.cname ?? "parley" }] }),
    };
    return sdp.write({
      version: 0,
      origin: { username: "-", sessionId: Date.now(), sessionVersion: 1, netType: "IN", ipVer: 4, address: "0.0.0.0" },
      name: "-",
      timing: { start: 0, stop: 0 },
      icelite: "ice-lite",
      groups: [{ type: "BUNDLE", mids: offer.mid }],
      msidSemantic: { semantic: "WMS", token: "*" },
      media: [media],
    });
  }
}

/**
 * A failure while setting up a call that is not the offer's fault (its worker died, no ICE port was
 * free): 503, so that the client may try again, rather than a 400 that blames its offer.
 */
function serverFault(error: unknown): never {
  if (error instanceof ParleyError) throw error;
  throw new ParleyError("PARLEY_ERR_UNAVAILABLE", `the mediasoup edge could not set up the call (${(error as Error).message})`);
}

/** A failure of a step built from the browser's offer (its DTLS parameters, its RTP parameters): 400, unless the worker had closed. */
function offerFault(error: unknown): never {
  if (error instanceof ParleyError || (error as Error).name === "InvalidStateError") return serverFault(error);
  throw new ParleyError("PARLEY_ERR_BAD_SDP", `mediasoup refused the offer: ${(error as Error).message}`);
}
