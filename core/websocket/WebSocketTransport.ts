import type { IncomingMessage } from "node:http";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import { decodeMulaw, encodeMulaw } from "../../media/g711.ts";
import type { CallSession } from "../Session.ts";
import type { Transport, TransportHost } from "../transport.ts";
import { type WebSocketFraming, WebSocketEndpoint } from "./WebSocketEndpoint.ts";
import { type DropReason, WebSocketPeer } from "./WebSocketPeer.ts";

declare module "../transport.ts" {
  interface TransportMap {
    webSocket: WebSocketTransport;
  }
}

/** A message Parley refuses: the reason is a metric label, the message goes back to the peer. */
class Rejection extends Error {
  constructor(readonly reason: string, message: string) {
    super(message);
  }
}

const TEXT = new TextDecoder();
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const L16_RATES = [8000, 16000];

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Rejection("bad_json", "message is not valid JSON");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Rejection("bad_json", "message must be a JSON object");
  return value as Record<string, unknown>;
}

function metadataOf(value: unknown): Record<string, string> {
  if (!value || typeof value !== "object") return {};
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, String(v)]));
}

function bytesOf(data: RawData): Uint8Array {
  return Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** The CPaaS media-stream shape: JSON with base64 8 kHz mu-law. */
function mediaStreamFraming(streamSid: string): WebSocketFraming {
  return {
    sampleRate: 8000,
    audio: (samples) => JSON.stringify({ event: "media", streamSid, media: { payload: Buffer.from(encodeMulaw(samples)).toString("base64") } }),
    mark: (name) => JSON.stringify({ event: "mark", streamSid, mark: { name } }),
    clear: () => JSON.stringify({ event: "clear", streamSid }),
  };
}

/** The audio-fork shape: binary 16-bit little-endian PCM frames. */
function audioForkFraming(sampleRate: number): WebSocketFraming {
  return {
    sampleRate,
    audio: (samples) => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength),
  };
}

/** Samples in a base64 mu-law payload (one byte a sample), known before decoding it. */
function base64Bytes(payload: string): number {
  return (payload.length / 4) * 3 - (payload.endsWith("==") ? 2 : payload.endsWith("=") ? 1 : 0);
}

/** One connection's state: before `start` it has no session. */
interface Connection {
  peer: WebSocketPeer;
  session?: CallSession;
  endpoint?: WebSocketEndpoint;
}

/**
 * WebSocket media streams in both common shapes, both directions:
 * - `/v1/media-stream`: JSON `connected`/`start`/`media`/`mark`/`clear`/`dtmf`/`stop` with base64
 *   8 kHz mu-law (the CPaaS media-stream shape); Parley answers with `media`, a `mark` after each
 *   playback and `clear` when a playback is cut off; a `clear` from the peer cuts Parley's own.
 * - `/v1/audio-fork`: a JSON metadata message (`{"sampleRate":8000|16000, "metadata":{...}}`), then
 *   binary L16 little-endian frames each way (the FreeSWITCH audio-fork shape).
 * Bad messages are answered with `{"event":"error","error":{"reason","message"}}`, counted, and the
 * call goes on.
 */
export class WebSocketTransport implements Transport {
  readonly name = "webSocket";
  #host?: TransportHost;
  #webSockets?: WebSocketServer;

  /** Loads ws and takes the upgrades of both endpoints. */
  async start(host: TransportHost): Promise<void> {
    this.#host = host;
    const { WebSocketServer } = await import("ws");
    this.#webSockets = new WebSocketServer({ noServer: true, maxPayload: host.config.websocket.maxMessageBytes });
    const endpoints = [["/v1/media-stream", "media-stream", "json", "CPaaS media stream: JSON messages with base64 8 kHz mu-law"], ["/v1/audio-fork", "audio-fork", "l16", "Audio fork: a JSON metadata message, then binary L16 frames"]] as const;
    for (const [path, name, shape, summary] of endpoints) {
      host.upgrade(path, name, (request, socket, head) => this.#webSockets!.handleUpgrade(request, socket, head, (webSocket) => this.#accept(webSocket, request, shape)), summary);
    }
  }

  /** Drops every connection; their sessions end with them. */
  async close(): Promise<void> {
    for (const client of this.#webSockets?.clients ?? []) client.terminate();
  }

  get #server(): TransportHost {
    if (!this.#host) throw new Error("the WebSocket transport has not been started");
    return this.#host;
  }

  #accept(socket: WebSocket, request: IncomingMessage, shape: "json" | "l16"): void {
    const label = shape === "json" ? "media-stream" : "audio-fork";
    const { maxBufferedBytes, idleTimeoutSeconds } = this.#server.config.websocket;
    const limits = { maxBufferedBytes, idleTimeoutMs: idleTimeoutSeconds * 1000 };
    const connection: Connection = { peer: new WebSocketPeer(socket, limits, (reason) => this.#dropped(connection, label, reason)) };
    const query = Object.fromEntries(new URL(request.url ?? "/", "http://localhost").searchParams);
    delete query.access_token;
    socket.on("message", (data, isBinary) => {
      // A dropped peer's messages already read from the socket are not worth handling.
      if (!connection.peer.open) return;
      try {
        if (shape === "json") this.#onJson(connection, data, isBinary, query, label);
        else this.#onFork(connection, data, isBinary, query, label);
      } catch (error) {
        const rejection = error instanceof Rejection ? error : new Rejection("internal", "message could not be handled");
        this.#server.metrics.webSocketRejected.inc({ transport: label, reason: rejection.reason });
        connection.peer.send(JSON.stringify({ event: "error", error: { reason: rejection.reason, message: rejection.message } }));
      }
    });
    socket.on("error", (error: Error & { code?: string }) => {
      const reason = error.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" ? "too_large" : "protocol_error";
      this.#server.metrics.webSocketRejected.inc({ transport: label, reason });
    });
    socket.on("close", () => this.#end(connection, "websocket_closed"));
  }

  /** A peer the connection's upkeep dropped: counted, and its call ends with `websocket_<reason>`. */
  #dropped(connection: Connection, label: string, reason: DropReason): void {
    this.#server.metrics.webSocketDropped.inc({ transport: label, reason });
    if (reason === "slow_client") this.#server.metrics.slowClientsDropped.inc({ channel: "websocket" });
    this.#end(connection, `websocket_${reason}`);
  }

  /** Ends the connection's call, if it has one. */
  #end(connection: Connection, reason: string): void {
    void connection.session?.hangup(reason);
  }

  /** Audio past real time and its burst: dropped and counted, not answered (a flooding peer would only get more to read). */
  #tooFast(label: string): void {
    this.#server.metrics.webSocketRejected.inc({ transport: label, reason: "faster_than_real_time" });
  }

  #open(connection: Connection, framing: WebSocketFraming, codec: string, metadata: Record<string, string>): void {
    if (connection.session) throw new Rejection("duplicate_start", "the stream has already started");
    if (this.#server.shuttingDown) throw new Rejection("shutting_down", "server is shutting down");
    connection.session = this.#server.openSession(
      { transport: "websocket", codec, sampleRate: framing.sampleRate, decodableRates: [framing.sampleRate], outputRate: framing.sampleRate, frameSamples: framing.sampleRate / 50, metadata },
      (session) => (connection.endpoint = new WebSocketEndpoint(connection.peer, framing, session.fanout)),
    );
    connection.peer.started();
  }

  #onJson(connection: Connection, data: RawData, isBinary: boolean, query: Record<string, string>, label: string): void {
    if (isBinary) throw new Rejection("unexpected_binary", "this endpoint takes JSON text messages");
    const message = parseJson(TEXT.decode(bytesOf(data)));
    const { session, endpoint } = connection;
    switch (message.event) {
      case "connected":
        return;
      case "start": {
        const start = (message.start ?? {}) as { streamSid?: unknown; callSid?: unknown; mediaFormat?: { encoding?: unknown; sampleRate?: unknown; channels?: unknown }; customParameters?: unknown };
        const format = start.mediaFormat ?? {};
        if ((format.encoding ?? "audio/x-mulaw") !== "audio/x-mulaw" || (format.sampleRate ?? 8000) !== 8000 || (format.channels ?? 1) !== 1) {
          throw new Rejection("unsupported_format", "only audio/x-mulaw, 8000 Hz, mono is supported");
        }
        const streamSid = String(start.streamSid ?? message.streamSid ?? crypto.randomUUID());
        const metadata = { ...query, ...metadataOf(start.customParameters), streamSid, ...(start.callSid ? { callSid: String(start.callSid) } : {}) };
        this.#open(connection, mediaStreamFraming(streamSid), "pcmu", metadata);
        return;
      }
      case "media": {
        if (!session || !endpoint) throw new Rejection("before_start", `"media" arrived before "start"`);
        const payload = (message.media as { payload?: unknown } | undefined)?.payload;
        if (typeof payload !== "string" || payload.length % 4 !== 0 || !BASE64.test(payload)) throw new Rejection("bad_base64", "media.payload must be base64");
        if (!endpoint.admit(base64Bytes(payload))) return this.#tooFast(label);
        endpoint.deliver(decodeMulaw(Buffer.from(payload, "base64")));
        return;
      }
      case "mark": {
        if (!session) throw new Rejection("before_start", `"mark" arrived before "start"`);
        const name = String((message.mark as { name?: unknown } | undefined)?.name ?? "");
        session.emit({ type: "playback.mark", name, source: "websocket" });
        return;
      }
      case "dtmf": {
        if (!session) throw new Rejection("before_start", `"dtmf" arrived before "start"`);
        const digit = String((message.dtmf as { digit?: unknown } | undefined)?.digit ?? "");
        if (!/^[0-9*#A-D]$/.test(digit)) throw new Rejection("bad_dtmf", "dtmf.digit must be one of 0-9 * # A-D");
        session.emit({ type: "dtmf", digit, durationMs: 0, source: "websocket" });
        return;
      }
      case "clear":
        if (!session) throw new Rejection("before_start", `"clear" arrived before "start"`);
        session.stopPlayback();
        return;
      case "stop":
        session?.hangup("remote_stop");
        return;
      default:
        throw new Rejection("unknown_event", `unknown event ${JSON.stringify(message.event)}`);
    }
  }

  #onFork(connection: Connection, data: RawData, isBinary: boolean, query: Record<string, string>, label: string): void {
    const bytes = bytesOf(data);
    if (!isBinary) {
      const message = parseJson(TEXT.decode(bytes));
      if (!connection.session) {
        const sampleRate = message.sampleRate ?? 8000;
        if (typeof sampleRate !== "number" || !L16_RATES.includes(sampleRate)) throw new Rejection("unsupported_format", "sampleRate must be 8000 or 16000");
        if ((message.channels ?? 1) !== 1) throw new Rejection("unsupported_format", "only mono is supported");
        this.#open(connection, audioForkFraming(sampleRate), "l16", { ...query, ...metadataOf(message.metadata) });
      } else if (message.event === "clear") connection.session.stopPlayback();
      else if (message.event === "stop") connection.session.hangup("remote_stop");
      else throw new Rejection("unknown_event", `unknown event ${JSON.stringify(message.event)}`);
      return;
    }
    if (!connection.endpoint) throw new Rejection("before_start", "audio arrived before the metadata message");
    if (bytes.length % 2 !== 0) throw new Rejection("odd_length", "L16 frames hold whole 16-bit samples");
    if (!connection.endpoint.admit(bytes.length / 2)) return this.#tooFast(label);
    const samples = new Int16Array(bytes.length / 2);
    new Uint8Array(samples.buffer).set(bytes);
    connection.endpoint.deliver(samples);
  }
}
