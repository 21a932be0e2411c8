// The biometrics HTTP API, mounted on the server by the plugin (or by embedding code with
// `registerBiometricsRoutes`):
//   GET    /v1/biometrics/voiceprints/:speakerId         what is enrolled (404 when nothing)
//   PUT    /v1/biometrics/voiceprints/:speakerId         audio/wav: enroll afresh (replaces; wideband audio
//                                                        is enrolled as heard on wideband and on 8 kHz calls)
//   POST   /v1/biometrics/voiceprints/:speakerId         audio/wav: add speech (creates if needed);
//                                                        application/json {"sessionId"}: enroll a live call's caller
//   DELETE /v1/biometrics/voiceprints/:speakerId         forget the speaker
//   POST   /v1/biometrics/voiceprints/:speakerId/verify  audio/wav: score it against the voiceprint
// A WAV request is checked from the cheapest end: speaker id, content type, voiceprint (verify),
// a free place in the analysis queue, then the WAV header as soon as it arrives; only then is the
// rest read, and it is decoded and scored in the analysis worker, never on the event loop.
import type { IncomingMessage } from "node:http";
import { type ApiResponse, mediaType, ParleyError, type PluginServer } from "../../core/mod.ts";
import { BiometricsError, type BiometricsErrorReason } from "./BiometricsError.ts";
import type { BiometricsService } from "./service.ts";
import { readWavRequest, type WavLimits } from "./wav-request.ts";

const BASE = "/v1/biometrics/voiceprints/:speakerId";

/** What the API takes in WAV requests (defaults: `DEFAULT_ROUTE_LIMITS`). */
export interface BiometricsRouteLimits {
  /** Largest WAV body, bytes. */
  maxWavBytes: number;
  /** Lowest and highest sample rate taken, Hz. */
  minSampleRate: number;
  maxSampleRate: number;
  /** Most channels taken. */
  maxChannels: number;
  /** Longest audio to verify, ms. */
  maxVerifyAudioMs: number;
  /** Longest audio to enroll from in one request, ms. */
  maxEnrollAudioMs: number;
}

/** The API's limits unless configured: 10 MiB, 8-48 kHz, stereo, 60 s to verify, 3 minutes to enroll. */
export const DEFAULT_ROUTE_LIMITS: BiometricsRouteLimits = {
  maxWavBytes: 10 * 1024 * 1024,
  minSampleRate: 8000,
  maxSampleRate: 48000,
  maxChannels: 2,
  maxVerifyAudioMs: 60_000,
  maxEnrollAudioMs: 180_000,
};

/** The speaker id of a route, percent-decoded. */
function speakerOf(params: Record<string, string>): string {
  try {
    return decodeURIComponent(params.speakerId!);
  } catch {
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "malformed speaker id");
  }
}

/** Refuses a body that is not declared as WAV, before reading it. */
function requireWav(request: IncomingMessage): void {
  const type = mediaType(request);
  if (type !== "audio/wav" && type !== "audio/x-wav") throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", "audio/wav");
}

/**
 * Adds the voiceprint routes to `server`. `limits` bound WAV requests (a number is `maxWavBytes`,
 * as before); `onRefused` hears the reason of every request refused for its audio or for lack of room.
 */
export function registerBiometricsRoutes(
  server: Pick<PluginServer, "route">,
  service: BiometricsService,
  limits: Partial<BiometricsRouteLimits> | number = {},
  onRefused: (reason: BiometricsErrorReason) => void = () => {},
): void {
  const configured = { ...DEFAULT_ROUTE_LIMITS, ...(typeof limits === "number" ? { maxWavBytes: limits } : limits) };
  const wavLimits = (purpose: string, maxDurationMs: number): WavLimits => ({
    maxBytes: configured.maxWavBytes,
    minSampleRate: configured.minSampleRate,
    maxSampleRate: configured.maxSampleRate,
    maxChannels: configured.maxChannels,
    maxDurationMs,
    purpose,
  });
  const verifyLimits = wavLimits("verification", configured.maxVerifyAudioMs);
  const enrollLimits = wavLimits("enrollment", configured.maxEnrollAudioMs);

  /** Maps the service's errors to coded API answers (statuses in BiometricsError.ts). */
  const answer = async (work: () => Promise<ApiResponse>): Promise<ApiResponse> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof BiometricsError)) throw error;
      if (REFUSALS.has(error.reason)) onRefused(error.reason);
      const headers = error.reason === "busy" ? { "retry-after": "1" } : undefined;
      return { status: error.status, headers, body: { error: { code: error.code, message: error.message } } };
    }
  };

  const enrollWav = (request: IncomingMessage, speakerId: string, replace: boolean) =>
    service.analysis.admit(async () => service.enrollWav(speakerId, await readWavRequest(request, enrollLimits), replace));

  server.route("GET", BASE, (_request, params) => answer(async () => {
    const voiceprint = await service.voiceprint(speakerOf(params));
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    const { speakerId, speechMs, createdAt, updatedAt } = voiceprint;
    return { status: 200, body: { speakerId, speechMs, createdAt, updatedAt, encrypted: service.store.encrypted } };
  }));

  server.route("PUT", BASE, (request, params) => answer(async () => {
    const speakerId = speakerOf(params);
    requireWav(request);
    const result = await enrollWav(request, speakerId, true);
    return { status: 201, body: { speakerId, ...result } };
  }));

  server.route("POST", BASE, (request, params, body) => answer(async () => {
    const speakerId = speakerOf(params);
    if (mediaType(request) === "application/json") {
      let sessionId: unknown;
      try {
        sessionId = (JSON.parse(await body()) as { sessionId?: unknown }).sessionId;
      } catch (error) {
        throw new ParleyError("PARLEY_ERR_BAD_JSON", (error as Error).message);
      }
      const session = typeof sessionId === "string" ? service.sessions.get(sessionId) : undefined;
      if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Session ${String(sessionId)}`);
      session.enroll(speakerId);
      return { status: 202, body: { speakerId, sessionId, enrolling: true } };
    }
    requireWav(request);
    const existed = (await service.voiceprint(speakerId)) !== undefined;
    const result = await enrollWav(request, speakerId, false);
    return { status: existed ? 200 : 201, body: { speakerId, ...result } };
  }));

  server.route("DELETE", BASE, (_request, params) => answer(async () => {
    if (!(await service.store.delete(speakerOf(params)))) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    return { status: 204 };
  }));

  server.route("POST", `${BASE}/verify`, (request, params) => answer(async () => {
    const speakerId = speakerOf(params);
    requireWav(request);
    const voiceprint = await service.voiceprint(speakerId);
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerId}`);
    const result = await service.analysis.admit(async () => service.verifyWav(voiceprint, await readWavRequest(request, verifyLimits)));
    return { status: 200, body: { speakerId, ...result } };
  }));
}

/** Reasons a request is refused for its audio or for lack of room, counted by `onRefused`. */
const REFUSALS = new Set<BiometricsErrorReason>(["bad_audio", "unsupported_audio", "audio_too_long", "busy"]);
