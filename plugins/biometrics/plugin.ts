// The `biometrics` plugin: verifies callers against the identity they claim (session metadata
// `claimedSpeaker` or `accountNumber` by default), per utterance and over the call, and enrolls
// voiceprints from sessions (metadata `enrollSpeaker`, or the API) and from WAV files (API).
// Voiceprints live on disk, AES-256-GCM encrypted when a key is configured.
import { resolve } from "node:path";
import { concat, defer, from, mergeMap, Observable, of, tap } from "rxjs";
import { definePlugin, type EventInput, type PluginServer } from "../../core/mod.ts";
import { type GmmStatistics, sessionSegments, type SpeechSegment } from "../../media/mod.ts";
import "./events.ts";
import { loadBiometricsWeights, VoiceprintModel } from "./model.ts";
import { DEFAULT_ROUTE_LIMITS, registerBiometricsRoutes } from "./routes.ts";
import { BiometricsService, DEFAULT_MAX_WAITING_ANALYSES } from "./service.ts";
import { type Voiceprint, VoiceprintStore } from "./voiceprint-store.ts";

/** Options of the biometrics plugin (all optional; defaults in the schema). */
export interface BiometricsOptions {
  /** Folder of the voiceprint files. */
  directory: string;
  /** Encryption key (64 hex digits, 32 bytes in base64, or a passphrase); default: env PARLEY_VOICEPRINT_KEY; none: files unencrypted. */
  key?: string;
  /** Session metadata keys that name the claimed identity, first present wins. */
  claimKeys: string[];
  /** Session metadata key that asks to enroll the caller under its value. */
  enrollKey: string;
  /** Verification threshold (mean frame LLR); default: the model's. */
  threshold?: number;
  /** Voiced speech an utterance needs to be scored, ms. */
  minUtteranceVoicedMs: number;
  /** Voiced speech a call-level verdict needs, ms. */
  minVoicedMs: number;
  /** Speech an enrollment needs (active frames, voiced or not), ms. */
  minEnrollMs: number;
  /** Enrollment stops at this much speech (active frames), ms: at most 30 s by default. */
  maxEnrollMs: number;
  /** Mount the HTTP API (/v1/biometrics/voiceprints/...). */
  routes: boolean;
  /** Largest WAV the API accepts, bytes. */
  maxWavBytes: number;
  /** Lowest sample rate of a WAV the API accepts, Hz (default 8000). */
  minSampleRate?: number;
  /** Highest sample rate of a WAV the API accepts, Hz (default 48000). */
  maxSampleRate?: number;
  /** Most channels of a WAV the API accepts (default 2). */
  maxChannels?: number;
  /** Longest WAV the API verifies, ms (default 60 s). */
  maxVerifyAudioMs?: number;
  /** Longest WAV the API enrolls from in one request, ms (default 3 minutes). */
  maxEnrollAudioMs?: number;
  /** WAV requests that may wait while the analysis worker works on one; more are refused with 503 (default 2). */
  maxWaitingAnalyses?: number;
}

/** Each server's service, so its analysis worker stops when that server closes. */
const services = new WeakMap<PluginServer, BiometricsService>();

/** The biometrics plugin. `server.use(biometrics, { directory: "/var/lib/parley/voiceprints" })`. */
export const biometrics = definePlugin<BiometricsOptions>({
  name: "biometrics",
  version: "1.0.0",
  options: {
    type: "object",
    additionalProperties: false,
    properties: {
      directory: { type: "string", minLength: 1, default: "voiceprints" },
      key: { type: "string", minLength: 1 },
      claimKeys: { type: "array", items: { type: "string" }, default: ["claimedSpeaker", "accountNumber"] },
      enrollKey: { type: "string", default: "enrollSpeaker" },
      threshold: { type: "number" },
      minUtteranceVoicedMs: { type: "number", minimum: 0, default: 500 },
      minVoicedMs: { type: "number", minimum: 0, default: 1500 },
      minEnrollMs: { type: "number", minimum: 0, default: 8000 },
      maxEnrollMs: { type: "number", minimum: 1000, default: 30000 },
      routes: { type: "boolean", default: true },
      maxWavBytes: { type: "number", minimum: 1024, default: DEFAULT_ROUTE_LIMITS.maxWavBytes },
      minSampleRate: { type: "integer", minimum: 1000, default: DEFAULT_ROUTE_LIMITS.minSampleRate },
      maxSampleRate: { type: "integer", minimum: 1000, maximum: 384000, default: DEFAULT_ROUTE_LIMITS.maxSampleRate },
      maxChannels: { type: "integer", minimum: 1, maximum: 64, default: DEFAULT_ROUTE_LIMITS.maxChannels },
      maxVerifyAudioMs: { type: "number", minimum: 1000, default: DEFAULT_ROUTE_LIMITS.maxVerifyAudioMs },
      maxEnrollAudioMs: { type: "number", minimum: 1000, default: DEFAULT_ROUTE_LIMITS.maxEnrollAudioMs },
      maxWaitingAnalyses: { type: "integer", minimum: 0, default: DEFAULT_MAX_WAITING_ANALYSES },
    },
  },
  setup(server, options) {
    const service = createBiometricsService(options);
    services.set(server, service);
    if (options.routes) {
      const refused = server.metrics.counter("parley_biometrics_requests_refused_total", "Biometrics API requests refused for their audio or because the analysis queue was full, by reason", ["reason"]);
      registerBiometricsRoutes(server, service, options, (reason) => refused.inc({ reason }));
      service.analysis.start();
    }
    const verdicts = server.metrics.counter("parley_biometrics_verdicts_total", "Utterances verified against a claimed identity, by verdict", ["verdict"]);
    return (session) => {
      const claimKey = options.claimKeys.find((key) => session.info.metadata[key]);
      return biometricsEvents({
        sessionId: session.id,
        segments$: sessionSegments(session),
        claimedSpeaker: claimKey ? session.info.metadata[claimKey] : undefined,
        enrollSpeaker: session.info.metadata[options.enrollKey] || undefined,
      }, service).pipe(
        tap((event) => {
          if (event.type === "biometrics" && event.scope === "utterance") verdicts.inc({ verdict: event.verdict });
        }),
      );
    };
  },
  async close(server) {
    const service = services.get(server);
    services.delete(server);
    await service?.close();
  },
});

/** The service behind the plugin, from its options (embedding code can build one to mount the routes itself). */
export function createBiometricsService(options: BiometricsOptions): BiometricsService {
  const { weights, fingerprint } = loadBiometricsWeights();
  const model = new VoiceprintModel(weights);
  const store = new VoiceprintStore(resolve(options.directory), options.key ?? process.env.PARLEY_VOICEPRINT_KEY);
  return new BiometricsService(model, store, fingerprint, {
    minUtteranceVoicedMs: options.minUtteranceVoicedMs,
    minVoicedMs: options.minVoicedMs,
    minEnrollMs: options.minEnrollMs,
    maxEnrollMs: options.maxEnrollMs,
    threshold: options.threshold ?? model.threshold,
  }, options.maxWaitingAnalyses ?? DEFAULT_MAX_WAITING_ANALYSES);
}

/** What the plugin reads of a session. */
export interface BiometricsInput {
  sessionId: string;
  segments$: Observable<SpeechSegment>;
  /** The identity to verify, if the caller claims one. */
  claimedSpeaker?: string;
  /** The identity to enroll the caller under, if asked at session start. */
  enrollSpeaker?: string;
  /** The claimed speaker's voiceprint; default: looked up in the service's store. */
  voiceprint$?: Observable<Voiceprint | undefined>;
}

/** The biometrics events of one session (the plugin's per-session work, callable on any streams). */
export function biometricsEvents(input: BiometricsInput, service: BiometricsService): Observable<EventInput> {
  const { model, limits } = service;
  let enrolling: { speakerId: string; statistics: GmmStatistics; speechMs: number; saved: boolean } | undefined;
  const startEnrolling = (speakerId: string) => {
    enrolling = { speakerId, statistics: model.ubm.createStatistics(), speechMs: 0, saved: false };
  };
  if (input.enrollSpeaker) startEnrolling(input.enrollSpeaker);

  // Enrollment collects sufficient utterances and saves (replacing any earlier voiceprint) once it
  // has maxEnrollMs, or at the end of the call if it has minEnrollMs.
  const save = async (): Promise<EventInput[]> => {
    const current = enrolling;
    if (!current || current.saved || current.speechMs < limits.minEnrollMs) return [];
    current.saved = true;
    const existing = await service.voiceprint(current.speakerId).catch(() => undefined);
    const now = new Date().toISOString();
    await service.store.save({ speakerId: current.speakerId, model: service.fingerprint, createdAt: existing?.createdAt ?? now, updatedAt: now, speechMs: current.speechMs, statistics: current.statistics });
    return [{ type: "biometrics.enrolled", speakerId: current.speakerId, speechMs: current.speechMs, totalSpeechMs: current.speechMs }];
  };

  const claimed = input.claimedSpeaker;
  const voiceprint$ = !claimed ? of(undefined) : input.voiceprint$ ?? from(service.voiceprint(claimed).catch(() => undefined));
  let callSum = 0;
  let callFrames = 0;
  let callSpeechMs = 0;
  let callStartMs = Number.NaN;

  const work$ = voiceprint$.pipe(mergeMap((voiceprint) => {
    const means = voiceprint ? model.speakerMeans(voiceprint.statistics) : undefined;
    const common = { type: "biometrics" as const, claimedSpeaker: claimed ?? "", threshold: limits.threshold };
    const notEnrolled: EventInput[] = claimed && !means
      ? [{ ...common, scope: "call", status: "not_enrolled", verdict: "not_enrolled", score: 0, startMs: 0, endMs: 0, speechMs: 0 }]
      : [];
    const utterances$ = input.segments$.pipe(mergeMap((segment): Observable<EventInput> => {
      // A call that neither claims an identity nor enrolls has nothing to score (enrollment may start later, through the API).
      if (!(claimed && means) && !(enrolling && !enrolling.saved)) return of();
      const utterance = model.utterance(segment.frames, limits.minUtteranceVoicedMs);
      const events: EventInput[] = [];
      if (enrolling && !enrolling.saved && utterance.check.sufficient) {
        model.enroll(utterance, enrolling.statistics);
        enrolling.speechMs += utterance.check.activeMs;
      }
      if (claimed && means) {
        const span = { startMs: segment.startMs, endMs: segment.endMs };
        if (!utterance.check.sufficient) {
          events.push({ ...common, scope: "utterance", status: "insufficient_speech", reason: utterance.check.reason, verdict: "insufficient_speech", score: 0, ...span, speechMs: utterance.check.voicedMs });
        } else {
          const sum = model.scoreSum(utterance, means);
          const score = sum / utterance.frames.length;
          events.push({ ...common, scope: "utterance", status: "ok", verdict: score >= limits.threshold ? "match" : "no_match", score: round(score), ...span, speechMs: utterance.check.voicedMs });
          callSum += sum;
          callFrames += utterance.frames.length;
          callSpeechMs += utterance.check.voicedMs;
          if (Number.isNaN(callStartMs)) callStartMs = segment.startMs;
        }
        const callSpan = { startMs: Number.isNaN(callStartMs) ? segment.startMs : callStartMs, endMs: segment.endMs, speechMs: callSpeechMs };
        const callScore = callFrames > 0 ? callSum / callFrames : 0;
        events.push(callSpeechMs < limits.minVoicedMs
          ? { ...common, scope: "call", status: "insufficient_speech", reason: utterance.check.reason ?? "too_short", verdict: "insufficient_speech", score: round(callScore), ...callSpan }
          : { ...common, scope: "call", status: "ok", verdict: callScore >= limits.threshold ? "match" : "no_match", score: round(callScore), ...callSpan });
      }
      const full = enrolling && !enrolling.saved && enrolling.speechMs >= limits.maxEnrollMs;
      return full ? concat(of(...events), defer(save).pipe(mergeMap((saved) => saved))) : of(...events);
    }));
    return concat(of(...notEnrolled), utterances$, defer(save).pipe(mergeMap((saved) => saved)));
  }));

  return new Observable<EventInput>((subscriber) => {
    service.sessions.set(input.sessionId, { enroll: startEnrolling });
    const subscription = work$.subscribe(subscriber);
    return () => {
      service.sessions.delete(input.sessionId);
      subscription.unsubscribe();
    };
  });
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
