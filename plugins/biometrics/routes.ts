// The biometrics HTTP API, mounted on the server by the plugin (or by embedding code with
// `registerBiometricsRoutes`):
//   GET    /v1/biometrics/voiceprints/:speakerId         what is enrolled (404 when nothing)
//   PUT    /v1/biometrics/voiceprints/:speakerId         audio/wav: enroll afresh (replaces; wideband audio
//                                                        is enrolled as heard on wideband and on 8 kHz calls)
//   POST   /v1/biometrics/voiceprints/:speakerId         audio/wav: add speech (creates if needed);
//                                                        application/json {"sessionId"}: enroll a live call's caller
//   DELETE /v1/biometrics/voiceprints/:speakerId         forget the speaker
//   POST   /v1/biometrics/voiceprints/:speakerId/verify  audio/wav: score it against the voiceprint
import type { IncomingMessage } from "node:http";
import { type ApiResponse, mediaType, ParleyError, type PluginServer, readBytes } from "../../core/mod.ts";
import { BiometricsError, type BiometricsService } from "./service.ts";

const BASE = "/v1/biometrics/voiceprints/:speakerId";

/** The speaker id of a route, percent-decoded. */
function speakerOf(params: Record<string, string>): string {
  try {
    return decodeURIComponent(params.speakerId!);
  } catch {
    throw new ParleyError("PARLEY_ERR_BAD_REQUEST", "malformed speaker id");
  }
}

/** Maps the service's errors to API answers: 404 for unknown speakers, 422 for unusable audio. */
async function answer(work: () => Promise<ApiResponse>): Promise<ApiResponse> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof BiometricsError)) throw error;
    const status = error.reason === "not_enrolled" ? 404 : error.reason === "model_mismatch" ? 409 : 422;
    return { status, body: { error: { code: `PARLEY_ERR_BIOMETRICS_${error.reason.toUpperCase()}`, message: error.message } } };
  }
}

/** Adds the voiceprint routes to `server`; WAV bodies up to `maxWavBytes`. */
export function registerBiometricsRoutes(server: Pick<PluginServer, "route">, service: BiometricsService, maxWavBytes = 10 * 1024 * 1024): void {
  const wav = async (request: IncomingMessage) => {
    if (mediaType(request) !== "audio/wav" && mediaType(request) !== "audio/x-wav") {
      throw new ParleyError("PARLEY_ERR_UNSUPPORTED_MEDIA_TYPE", mediaType(request) || "(none)", "audio/wav");
    }
    return service.wavEnrollment(await readBytes(request, maxWavBytes));
  };

  server.route("GET", BASE, (_request, params) => answer(async () => {
    const voiceprint = await service.voiceprint(speakerOf(params));
    if (!voiceprint) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    const { speakerId, speechMs, createdAt, updatedAt } = voiceprint;
    return { status: 200, body: { speakerId, speechMs, createdAt, updatedAt, encrypted: service.store.encrypted } };
  }));

  server.route("PUT", BASE, (request, params) => answer(async () => {
    const { utterances, companions } = await wav(request);
    const result = await service.enroll(speakerOf(params), utterances, true, companions);
    return { status: 201, body: { speakerId: speakerOf(params), ...result } };
  }));

  server.route("POST", BASE, (request, params, body) => answer(async () => {
    if (mediaType(request) === "application/json") {
      let sessionId: unknown;
      try {
        sessionId = (JSON.parse(await body()) as { sessionId?: unknown }).sessionId;
      } catch (error) {
        throw new ParleyError("PARLEY_ERR_BAD_JSON", (error as Error).message);
      }
      const session = typeof sessionId === "string" ? service.sessions.get(sessionId) : undefined;
      if (!session) throw new ParleyError("PARLEY_ERR_NOT_FOUND", `Session ${String(sessionId)}`);
      session.enroll(speakerOf(params));
      return { status: 202, body: { speakerId: speakerOf(params), sessionId, enrolling: true } };
    }
    const existed = (await service.voiceprint(speakerOf(params))) !== undefined;
    const { utterances, companions } = await wav(request);
    const result = await service.enroll(speakerOf(params), utterances, false, companions);
    return { status: existed ? 200 : 201, body: { speakerId: speakerOf(params), ...result } };
  }));

  server.route("DELETE", BASE, (_request, params) => answer(async () => {
    if (!(await service.store.delete(speakerOf(params)))) throw new BiometricsError("not_enrolled", `no voiceprint for ${speakerOf(params)}`);
    return { status: 204 };
  }));

  server.route("POST", `${BASE}/verify`, (request, params) => answer(async () => {
    const result = await service.verify(speakerOf(params), (await wav(request)).utterances);
    return { status: 200, body: { speakerId: speakerOf(params), ...result } };
  }));
}
