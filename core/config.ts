import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { ParleyError } from "./errors.ts";

/** Server configuration, as given in code or a JSON file; every field is optional. */
export interface ParleyConfig {
  http?: {
    /** HTTP API port (env PARLEY_PORT, default 8080; 0 picks a free port). */
    port?: number;
    /** Address the HTTP API listens on (default 0.0.0.0). */
    host?: string;
    /** Largest request body accepted, in bytes (default 65536). */
    maxBodyBytes?: number;
  };
  rtp?: {
    /** UDP port range "min-max" (env PARLEY_RTP_PORTS, default 40000-40999). */
    ports?: string;
    /** Address the RTP sockets bind to (default 0.0.0.0). */
    bindAddress?: string;
    /** Address written into SDP answers (env PARLEY_RTP_ADDRESS; default: loopback for loopback peers, else this host's first external IPv4). */
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
    /** Bearer tokens accepted on the API, WHIP and WebSocket endpoints (env PARLEY_TOKEN, comma-separated); none: open. */
    tokens?: string[];
    /** Tokens accepted on /metrics besides the API tokens (env PARLEY_METRICS_TOKEN); none: /metrics follows `tokens`. */
    metricsTokens?: string[];
  };
  webrtc?: {
    /** UDP port range for ICE, "min-max" (default: any port). */
    icePorts?: string;
    /** Extra host candidate address to announce, for NAT (env PARLEY_WEBRTC_ADDRESS). */
    announcedAddress?: string;
    /** Only gather candidates on these interface addresses (e.g. ["127.0.0.1"] for tests). */
    interfaces?: string[];
    /** A WHIP session whose ICE and DTLS have not connected in this time ends with `webrtc_timeout` (default 15). */
    connectTimeoutSeconds?: number;
  };
  websocket?: {
    /** Largest WebSocket message accepted, in bytes (default 65536). */
    maxMessageBytes?: number;
    /** Bytes that may wait unsent to one peer; past them it has stopped reading and is dropped (default 524288). */
    maxBufferedBytes?: number;
    /** A peer that neither answers pings nor sends for this long, or has not started a stream by then, is dropped (default 40). */
    idleTimeoutSeconds?: number;
  };
}

/** The configuration with every default applied. */
export interface ResolvedConfig {
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
  auth: { tokens: string[]; metricsTokens: string[] };
  webrtc: { icePortMin?: number; icePortMax?: number; announcedAddress?: string; interfaces?: string[]; connectTimeoutSeconds: number };
  websocket: { maxMessageBytes: number; maxBufferedBytes: number; idleTimeoutSeconds: number };
}

const TOKENS = { type: "array", items: { type: "string", minLength: 8 } };

const SCHEMA = {
  type: "object",
  additionalProperties: false,
  properties: {
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
      properties: { tokens: TOKENS, metricsTokens: TOKENS },
    },
    webrtc: {
      type: "object",
      additionalProperties: false,
      properties: {
        icePorts: { type: "string", pattern: "^\\d+-\\d+$" },
        announcedAddress: { type: "string", minLength: 1 },
        interfaces: { type: "array", items: { type: "string", minLength: 1 } },
        connectTimeoutSeconds: { type: "number", exclusiveMinimum: 0, maximum: 600 },
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
  },
};

const validate = new Ajv({ allErrors: true }).compile(SCHEMA);

/** Environment variables that override the file and code configuration. */
function fromEnv(env: Record<string, string | undefined>): ParleyConfig {
  const config: ParleyConfig = {};
  if (env.PARLEY_PORT !== undefined) {
    const port = Number(env.PARLEY_PORT);
    if (!Number.isInteger(port)) throw new ParleyError("PARLEY_ERR_CONFIG", `PARLEY_PORT="${env.PARLEY_PORT}" is not a port number`);
    config.http = { port };
  }
  const list = (value: string) => value.split(",").map((token) => token.trim()).filter(Boolean);
  if (env.PARLEY_TOKEN || env.PARLEY_METRICS_TOKEN) {
    config.auth = {};
    if (env.PARLEY_TOKEN) config.auth.tokens = list(env.PARLEY_TOKEN);
    if (env.PARLEY_METRICS_TOKEN) config.auth.metricsTokens = list(env.PARLEY_METRICS_TOKEN);
  }
  if (env.PARLEY_WEBRTC_ADDRESS) config.webrtc = { announcedAddress: env.PARLEY_WEBRTC_ADDRESS };
  if (env.PARLEY_RTP_PORTS !== undefined || env.PARLEY_RTP_ADDRESS !== undefined) {
    config.rtp = {};
    if (env.PARLEY_RTP_PORTS !== undefined) config.rtp.ports = env.PARLEY_RTP_PORTS;
    if (env.PARLEY_RTP_ADDRESS !== undefined) config.rtp.announcedAddress = env.PARLEY_RTP_ADDRESS;
  }
  return config;
}

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

/**
 * Merges code configuration, the file named by PARLEY_CONFIG, and environment variables (in
 * rising priority), validates the result and applies the defaults.
 */
export function resolveConfig(config: ParleyConfig = {}, env: Record<string, string | undefined> = process.env): ResolvedConfig {
  const file = env.PARLEY_CONFIG ? loadConfigFile(env.PARLEY_CONFIG) : {};
  const layers = [config, file, fromEnv(env)];
  for (const layer of layers) {
    if (!validate(layer)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || "config"} ${e.message}`).join("; ");
      throw new ParleyError("PARLEY_ERR_CONFIG", problems);
    }
  }
  const merge = <K extends keyof ParleyConfig>(key: K): NonNullable<ParleyConfig[K]> => Object.assign({}, ...layers.map((layer) => layer[key]));
  const merged = { http: merge("http"), rtp: merge("rtp"), auth: merge("auth"), webrtc: merge("webrtc"), websocket: merge("websocket") };
  const [portMin, portMax] = (merged.rtp.ports ?? "40000-40999").split("-").map(Number);
  if (portMin > portMax) throw new ParleyError("PARLEY_ERR_CONFIG", `RTP port range ${merged.rtp.ports} is reversed`);
  const [icePortMin, icePortMax] = merged.webrtc.icePorts ? merged.webrtc.icePorts.split("-").map(Number) : [];
  if (icePortMin > icePortMax) throw new ParleyError("PARLEY_ERR_CONFIG", `ICE port range ${merged.webrtc.icePorts} is reversed`);
  return {
    http: { port: merged.http.port ?? 8080, host: merged.http.host ?? "0.0.0.0", maxBodyBytes: merged.http.maxBodyBytes ?? 65536 },
    rtp: {
      portMin,
      portMax,
      bindAddress: merged.rtp.bindAddress ?? "0.0.0.0",
      announcedAddress: merged.rtp.announcedAddress,
      symmetric: merged.rtp.symmetric ?? true,
      latchAnySource: merged.rtp.latchAnySource ?? false,
      timeoutSeconds: merged.rtp.timeoutSeconds ?? 60,
      maxJitterDelayMs: merged.rtp.maxJitterDelayMs ?? 40,
    },
    auth: { tokens: merged.auth.tokens ?? [], metricsTokens: merged.auth.metricsTokens ?? [] },
    webrtc: {
      icePortMin,
      icePortMax,
      announcedAddress: merged.webrtc.announcedAddress,
      interfaces: merged.webrtc.interfaces,
      connectTimeoutSeconds: merged.webrtc.connectTimeoutSeconds ?? 15,
    },
    websocket: {
      maxMessageBytes: merged.websocket.maxMessageBytes ?? 65536,
      maxBufferedBytes: merged.websocket.maxBufferedBytes ?? 512 * 1024,
      idleTimeoutSeconds: merged.websocket.idleTimeoutSeconds ?? 40,
    },
  };
}
