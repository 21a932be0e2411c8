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
import { jsonResponse, mediaType, readBytes, ParleyError, type PluginContext, type RouteDoc, type RouteHandler } from "../../core/mod.ts";
import { BiometricsError, type BiometricsErrorReason } from "./BiometricsError.ts";
import type { BiometricsService } from "./service.ts";
import { readWavRequest, type WavLimits } from "./wav-request.ts";

const BASE = "/v1/biometrics/voiceprints/:speakerId";
/** Largest JSON body (`{"sessionId"}`) taken. */
const MAX_JSON_BYTES = 64 * 1024;

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

/** The speaker id of a route (the router has percent-decoded it). */
function speakerOf(params: Record<string, string>): string {
  return params.speakerId!;
}

const VOICEPRINT = {
  type: "object",
  properties: { speakerId: { type: "string" }, speechMs: { type: "number" }, createdAt: { type: "integer" }, updatedAt: { type: "integer" }, encrypted: { type: "boolean" } },
};
const WAV_BODY = { "audio/wav": { type: "string", contentMediaType: "audio/wav" } };
const RESULT = (description: string) => ({ description, content: { "application/json": { type: "object", properties: { speakerId: { type: "string" } } } } });

/** The OpenAPI entries of the routes. */
const DOCS: Record<string, RouteDoc> = {
  get: { summary: "What is enrolled for a speaker", responses: { "200": { description: "The voiceprint", content: { "application/json": VOICEPRINT } }, "404": { description: "Nothing enrolled" } } },
  put: { summary: "Enrolls a speaker afresh from a WAV file (replaces)", requestBody: WAV_BODY, responses: { "201": RESULT("Enrolled") } },
  post: {
    summary: "Adds speech to a voiceprint from a WAV file, or enrolls a live call's caller",
    requestBody: { ...WAV_BODY, "application/json": { type: "object", required: ["sessionId"], properties: { sessionId: { type: "string" } } } },
    responses: { "200": RESULT("Speech added"), "201": RESULT("Enrolled"), "202": RESULT("Enrolling the live call's caller") },
  },
  delete: { summary: "Forgets a speaker", responses: { "204": { description: "Forgotten" }, "404": { description: "Nothing enrolled" } } },
  verify: { summary: "Scores a WAV file against a speaker's voiceprint", requestBody: WAV_BODY, responses: { "200": RESULT("The score") } },
};

/** Refuses a body that is not declared as WAV, before reading it. */
function requireWav(request: Request): void {
  const type = mediaType(request);
  if (type !== "audio/wav" && type !== "audio/x-wav") throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", type || "(none)", "audio/wav");
}

/**
 * Adds the voiceprint routes to `server`. `limits` bound WAV requests (a number is `maxWavBytes`,
 * as before); `onRefused` hears the reason of every request refused for its audio or for lack of room.
 */
export function registerBiometricsRoutes(
  server: Pick<PluginContext, "route">,
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
  const answer = async (work: () => Promise<Response>): Promise<Response> => {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof BiometricsError)) throw error;
      if (REFUSALS.has(error.reason)) onRefused(error.reason);
      const headers: Record<string, string> = error.reason === "busy" ? { "retry-after": "1" } : {};
      return jsonResponse({ error: { code: error.code, message: error.message } }, error.status, headers);
    }
  };
  /** WAV bodies are bounded as they arrive (wav-request.ts), JSON ones by the server's limit. */
  const route = (method: string, path: string, doc: RouteDoc, handler: RouteHandler) =>
    server.route(method, path, handler, { maxBodyBytes: false, doc });

  const enrollWav = (request: Request, speakerId: string, replace: boolean) =>
    service.analysis.admit(async () => service.enrollWav(speakerId, await readWavRequest(request, enrollLimits), replace));

  route("GET", BASE, DOCS.get!, (_request, params) => answer(async () => {
    const voiceprint = await service.voiceprint(speakerOf(params));
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    const { speakerId, speechMs, createdAt, updatedAt } = voiceprint;
    return jsonResponse({ speakerId, speechMs, createdAt, updatedAt, encrypted: service.store.encrypted });
  }));

  route("PUT", BASE, DOCS.put!, (request, params) => answer(async () => {
    const speakerId = speakerOf(params);
    requireWav(request);
    const result = await enrollWav(request, speakerId, true);
    return jsonResponse({ speakerId, ...result }, 201);
  }));

  route("POST", BASE, DOCS.post!, (request, params) => answer(async () => {
    const speakerId = speakerOf(params);
    if (mediaType(request) === "application/json") {
      let sessionId: unknown;
      const body = new TextDecoder().decode(await readBytes(request, MAX_JSON_BYTES));
      try {
        sessionId = (JSON.parse(body) as { sessionId?: unknown }).sessionId;
      } catch (error) {
        throw new ParleyError("PARLEY_ERR_BAD_JSON", (error as Error).message);
      }
      const session = typeof sessionId === "string" ? service.sessions.get(sessionId) : undefined;
      if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Session ${String(sessionId)}`);
      session.enroll(speakerId);
      return jsonResponse({ speakerId, sessionId, enrolling: true }, 202);
    }
    requireWav(request);
    const existed = (await service.voiceprint(speakerId)) !== undefined;
    const result = await enrollWav(request, speakerId, false);
    return jsonResponse({ speakerId, ...result }, existed ? 200 : 201);
  }));

  route("DELETE", BASE, DOCS.delete!, (_request, params) => answer(async () => {
    if (!(await service.store.delete(speakerOf(params)))) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    return new Response(null, { status: 204 });
  }));

  route("POST", `${BASE}/verify`, DOCS.verify!, (request, params) => answer(async () => {
    const speakerId = speakerOf(params);
    requireWav(request);
    const voiceprint = await service.voiceprint(speakerId);
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerId}`);
    const result = await service.analysis.admit(async () => service.verifyWav(voiceprint, await readWavRequest(request, verifyLimits)));
    return jsonResponse({ speakerId, ...result });
  }));
}

/** Reasons a request is refused for its audio or for lack of room, counted by `onRefused`. */
const REFUSALS = new Set<BiometricsErrorReason>(["bad_audio", "unsupported_audio", "audio_too_long", "busy"]);
