import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { ParleyError } from "./errors.ts";
import { LOG_LEVELS, type LogLevel } from "./log.ts";

/** Server configuration, as given in code or a JSON file; every field is optional. */
export interface ParleyConfig {
  /** Least severe level logged (default "info"; the CLI takes it from PARLEY_LOG_LEVEL). */
  logLevel?: LogLevel;
  http?: {
    /** HTTP API port (default 8080; 0 picks a free port). */
    port?: number;
    /** Address the HTTP API listens on (default 0.0.0.0). */
    host?: string;
    /** Largest request body accepted, in bytes (default 65536). */
    maxBodyBytes?: number;
  };
  rtp?: {
    /** UDP port range "min-max" (default 40000-40999). */
    ports?: string;
    /** Address the RTP sockets bind to (default 0.0.0.0). */
    bindAddress?: string;
    /** Address written into SDP answers (default: loopback for loopback peers, else this host's first external IPv4). */
    announcedAddress?: string;
    /** Send to wherever the media comes from (NAT-friendly), not only to the signalled address (default true). */
    symmetric?: boolean;
    /**
     * With a signalled remote (SDP or JSON `remote`), latch to the first source from any address,
     * for peers behind NAT whose media comes from elsewhere (default false: only the signalled
     * address is heard, so a third party's packet cannot take the call over).
     */
    latchAnySource?: boolean;
    /** End a session when no RTP arrives for this long (default 60). */
    timeoutSeconds?: number;
    /** Upper bound of the adaptive jitter buffer's delay (default 40). */
    maxJitterDelayMs?: number;
  };
  auth?: {
    /** Admin bearer tokens: the whole API, WHIP and WebSocket endpoints; with no supervisor tokens either, the API is open. */
    tokens?: string[];
    /** Tokens accepted on /metrics besides the API tokens; none: /metrics follows `tokens`. */
    metricsTokens?: string[];
    /** Supervisor tokens: every agent and call (sessions, events, listening in), not configuration. */
    supervisorTokens?: string[];
  };
  webrtc?: {
    /** UDP port range for ICE, "min-max" (default: any port). */
    icePorts?: string;
    /** Extra host candidate address to announce, for NAT. */
    announcedAddress?: string;
    /** Only gather candidates on these interface addresses (e.g. ["127.0.0.1"] for tests). */
    interfaces?: string[];
    /** A WHIP session whose ICE and DTLS have not connected in this time ends with `webrtc_timeout` (default 15). */
    connectTimeoutSeconds?: number;
    /** A connected WebRTC session that receives no RTP for this long ends with `webrtc_media_timeout`: a closed tab, a lost network (default 10). */
    mediaTimeoutSeconds?: number;
    /** What terminates ICE, DTLS and SRTP: "werift" in this process (default) or "mediasoup" workers (built by `npm install` when the system's libraries are there). */
    edge?: "werift" | "mediasoup";
    /** mediasoup workers (C++ processes) to run, each on its own core (default: one per core). */
    workers?: number;
  };
  websocket?: {
    /** Largest WebSocket message accepted, in bytes (default 65536). */
    maxMessageBytes?: number;
    /** Bytes that may wait unsent to one peer; past them it has stopped reading and is dropped (default 524288). */
    maxBufferedBytes?: number;
    /** A peer that neither answers pings nor sends for this long, or has not started a stream by then, is dropped (default 40). */
    idleTimeoutSeconds?: number;
  };
  memory?: {
    /**
     * How often, in seconds, the server gives freed C-heap memory back to the system when its RSS
     * is 16 MB above the lowest it has been after doing so (glibc only; default 10; 0 never).
     */
    releaseIntervalSeconds?: number;
  };
}

/** The configuration with every default applied. */
export interface ResolvedConfig {
  logLevel: LogLevel;
  http: { port: number; host: string; maxBodyBytes: number };
  rtp: {
    portMin: number;
    portMax: number;
    bindAddress: string;
    announcedAddress?: string;
    symmetric: boolean;
    latchAnySource: boolean;
    timeoutSeconds: number;
    maxJitterDelayMs: number;
  };
  auth: { tokens: string[]; metricsTokens: string[]; supervisorTokens: string[] };
  webrtc: { icePortMin?: number; icePortMax?: number; announcedAddress?: string; interfaces?: string[]; connectTimeoutSeconds: number; mediaTimeoutSeconds: number; edge: "werift" | "mediasoup"; workers?: number };
  websocket: { maxMessageBytes: number; maxBufferedBytes: number; idleTimeoutSeconds: number };
  memory: { releaseIntervalSeconds: number };
}

const TOKENS = { type: "array", items: { type: "string", minLength: 8 } };

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
    logLevel: { enum: LOG_LEVELS },
    http: {
      type: "object",
      additionalProperties: false,
      properties: {
        port: { type: "integer", minimum: 0, maximum: 65535 },
        host: { type: "string", minLength: 1 },
        maxBodyBytes: { type: "integer", minimum: 1024 },
      },
    },
    rtp: {
      type: "object",
      additionalProperties: false,
      properties: {
        ports: { type: "string", pattern: "^\\d+-\\d+$" },
        bindAddress: { type: "string", minLength: 1 },
        announcedAddress: { type: "string", minLength: 1 },
        symmetric: { type: "boolean" },
        latchAnySource: { type: "boolean" },
        timeoutSeconds: { type: "number", exclusiveMinimum: 0 },
        maxJitterDelayMs: { type: "number", minimum: 0, maximum: 1000 },
      },
    },
    auth: {
      type: "object",
      additionalProperties: false,
      properties: { tokens: TOKENS, metricsTokens: TOKENS, supervisorTokens: TOKENS },
    },
    webrtc: {
      type: "object",
      additionalProperties: false,
      properties: {
        icePorts: { type: "string", pattern: "^\\d+-\\d+$" },
        edge: { enum: ["werift", "mediasoup"] },
        workers: { type: "integer", minimum: 1, maximum: 64 },
        announcedAddress: { type: "string", minLength: 1 },
        interfaces: { type: "array", items: { type: "string", minLength: 1 } },
        connectTimeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 600 },
        mediaTimeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
      },
    },
    websocket: {
      type: "object",
      additionalProperties: false,
      properties: {
        maxMessageBytes: { type: "integer", minimum: 1024 },
        maxBufferedBytes: { type: "integer", minimum: 1024 },
        idleTimeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 3600 },
      },
    },
    memory: {
      type: "object",
      additionalProperties: false,
      properties: { releaseIntervalSeconds: { type: "number", minimum: 0, maximum: 3600 } },
    },
  },
};

const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

/** Reads a JSON configuration file; throws PARLEY_ERR_CONFIG saying what is wrong. */
export function loadConfigFile(path: string): ParleyConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ParleyError("PARLEY_ERR_CONFIG", `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as ParleyConfig;
  } catch (error) {
    throw new ParleyError("PARLEY_ERR_CONFIG", `${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Throws PARLEY_ERR_CONFIG naming every problem if `config` does not match the schema. */
function check(config: ParleyConfig): void {
  if (validate(config)) return;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "config"} ${e.message}`).join("; ");
  throw new ParleyError("PARLEY_ERR_CONFIG", problems);
}

const SECTIONS = ["http", "rtp", "auth", "webrtc", "websocket", "memory"] as const;

/**
 * Merges configuration layers, each checked against the schema first; a later layer's fields win
 * (the command line merges its file, environment and flags this way).
 */
export function mergeConfig(...layers: ParleyConfig[]): ParleyConfig {
  const merged: ParleyConfig = {};
  for (const layer of layers) {
    check(layer);
    if (layer.logLevel !== undefined) merged.logLevel = layer.logLevel;
    for (const key of SECTIONS) {
      if (layer[key]) merged[key] = Object.assign({}, merged[key], layer[key]) as never;
    }
  }
  return merged;
}

/**
 * Validates `config` and applies the defaults. Reads nothing else: the environment and a
 * configuration file are the command line's to read (cli/settings.ts).
 */
export function resolveConfig(config: ParleyConfig = {}): ResolvedConfig {
  check(config);
  const { logLevel = "info", http = {}, rtp = {}, auth = {}, webrtc = {}, websocket = {}, memory = {} } = config;
  const [portMin, portMax] = (rtp.ports ?? "40000-40999").split("-").map(Number);
  if (portMin > portMax) throw new ParleyError("PARLEY_ERR_CONFIG", `RTP port range ${rtp.ports} is reversed`);
  const [icePortMin, icePortMax] = webrtc.icePorts ? webrtc.icePorts.split("-").map(Number) : [];
  if (icePortMin > icePortMax) throw new ParleyError("PARLEY_ERR_CONFIG", `ICE port range ${webrtc.icePorts} is reversed`);
  return {
    logLevel,
    http: { port: http.port ?? 8080, host: http.host ?? "0.0.0.0", maxBodyBytes: http.maxBodyBytes ?? 65536 },
    rtp: {
      portMin,
      portMax,
      bindAddress: rtp.bindAddress ?? "0.0.0.0",
      announcedAddress: rtp.announcedAddress,
      symmetric: rtp.symmetric ?? true,
      latchAnySource: rtp.latchAnySource ?? false,
      timeoutSeconds: rtp.timeoutSeconds ?? 60,
      maxJitterDelayMs: rtp.maxJitterDelayMs ?? 40,
    },
    auth: { tokens: auth.tokens ?? [], metricsTokens: auth.metricsTokens ?? [], supervisorTokens: auth.supervisorTokens ?? [] },
    webrtc: {
      icePortMin,
      icePortMax,
      announcedAddress: webrtc.announcedAddress,
      interfaces: webrtc.interfaces,
      connectTimeoutSeconds: webrtc.connectTimeoutSeconds ?? 15,
      mediaTimeoutSeconds: webrtc.mediaTimeoutSeconds ?? 10,
      edge: webrtc.edge ?? "werift",
      workers: webrtc.workers,
    },
    websocket: {
      maxMessageBytes: websocket.maxMessageBytes ?? 65536,
      maxBufferedBytes: websocket.maxBufferedBytes ?? 512 * 1024,
      idleTimeoutSeconds: websocket.idleTimeoutSeconds ?? 40,
    },
    memory: { releaseIntervalSeconds: memory.releaseIntervalSeconds ?? 10 },
  };
}
