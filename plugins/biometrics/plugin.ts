// The `biometrics` plugin: verifies callers against the identity they claim (session metadata
// `claimedSpeaker` or `accountNumber` by default), per utterance and over the call, and enrolls
// voiceprints from sessions (metadata `enrollSpeaker`, or the API) and from WAV files (API).
// Voiceprints live on disk, AES-256-GCM encrypted when a key is configured.
import { resolve } from "node:path";
import { concat, defer, from, mergeMap, Observable, of, tap } from "rxjs";
import { definePlugin, type EventInput, type Static, Type } from "../../core/mod.ts";
import { type GmmStatistics, sessionSegments, type SpeechSegment } from "../../media/mod.ts";
import { BIOMETRICS_ERRORS } from "./BiometricsError.ts";
import "./events.ts";
import { loadBiometricsWeights, VoiceprintModel } from "./model.ts";
import { DEFAULT_ROUTE_LIMITS, registerBiometricsRoutes } from "./routes.ts";
import { BiometricsService, DEFAULT_MAX_WAITING_ANALYSES } from "./service.ts";
import { type Voiceprint, VoiceprintStore } from "./voiceprint-store.ts";

/** Options of the biometrics plugin (all optional; defaults in the schema). */
export const BiometricsOptions = Type.Object({
  /** Folder of the voiceprint files. */
  directory: Type.String({ minLength: 1, default: "voiceprints" }),
  /** Encryption key (64 hex digits, 32 bytes in base64, or a passphrase); none: files unencrypted. */
  key: Type.Optional(Type.String({ minLength: 1 })),
  /** Session metadata keys that name the claimed identity, first present wins. */
  claimKeys: Type.Array(Type.String(), { default: ["claimedSpeaker", "accountNumber"] }),
  /** Session metadata key that asks to enroll the caller under its value. */
  enrollKey: Type.String({ default: "enrollSpeaker" }),
  /** Verification threshold (mean frame LLR); default: the model's. */
  threshold: Type.Optional(Type.Number()),
  /** Voiced speech an utterance needs to be scored, ms. */
  minUtteranceVoicedMs: Type.Number({ minimum: 0, default: 500 }),
  /** Voiced speech a call-level verdict needs, ms. */
  minVoicedMs: Type.Number({ minimum: 0, default: 1500 }),
  /** Speech an enrollment needs (active frames, voiced or not), ms. */
  minEnrollMs: Type.Number({ minimum: 0, default: 8000 }),
  /** Enrollment stops at this much speech (active frames), ms: at most 30 s by default. */
  maxEnrollMs: Type.Number({ minimum: 1000, default: 30000 }),
  /** Mount the HTTP API (/v1/biometrics/voiceprints/...). */
  routes: Type.Boolean({ default: true }),
  /** Largest WAV the API accepts, bytes. */
  maxWavBytes: Type.Number({ minimum: 1024, default: DEFAULT_ROUTE_LIMITS.maxWavBytes }),
  /** Lowest sample rate of a WAV the API accepts, Hz (default 8000). */
  minSampleRate: Type.Optional(Type.Integer({ minimum: 1000, default: DEFAULT_ROUTE_LIMITS.minSampleRate })),
  /** Highest sample rate of a WAV the API accepts, Hz (default 48000). */
  maxSampleRate: Type.Optional(Type.Integer({ minimum: 1000, maximum: 384000, default: DEFAULT_ROUTE_LIMITS.maxSampleRate })),
  /** Most channels of a WAV the API accepts (default 2). */
  maxChannels: Type.Optional(Type.Integer({ minimum: 1, maximum: 64, default: DEFAULT_ROUTE_LIMITS.maxChannels })),
  /** Longest WAV the API verifies, ms (default 60 s). */
  maxVerifyAudioMs: Type.Optional(Type.Number({ minimum: 1000, default: DEFAULT_ROUTE_LIMITS.maxVerifyAudioMs })),
  /** Longest WAV the API enrolls from in one request, ms (default 3 minutes). */
  maxEnrollAudioMs: Type.Optional(Type.Number({ minimum: 1000, default: DEFAULT_ROUTE_LIMITS.maxEnrollAudioMs })),
  /** WAV requests that may wait while the analysis worker works on one; more are refused with 503 (default 2). */
  maxWaitingAnalyses: Type.Optional(Type.Integer({ minimum: 0, default: DEFAULT_MAX_WAITING_ANALYSES })),
}, { additionalProperties: false });

/** Options of the biometrics plugin. */
export type BiometricsOptions = Static<typeof BiometricsOptions>;

/** The biometrics plugin. `server.use(biometrics, { directory: "/var/lib/parley/voiceprints" })`. */
export const biometrics = definePlugin({
  name: "biometrics",
  version: "1.0.0",
  options: BiometricsOptions,
  errors: BIOMETRICS_ERRORS,
  setup(context, options) {
    const service = createBiometricsService(options);
    // Its analysis worker stops when the server closes.
    context.onClose(() => service.close());
    if (options.routes) {
      const refused = context.metrics.counter("parley_biometrics_requests_refused_total", "Biometrics API requests refused for their audio or because the analysis queue was full, by reason", ["reason"]);
      registerBiometricsRoutes(context, service, options, (reason) => refused.inc({ reason }));
      service.analysis.start();
    }
    const verdicts = context.metrics.counter("parley_biometrics_verdicts_total", "Utterances verified against a claimed identity, by verdict", ["verdict"]);
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
});

/** The service behind the plugin, from its options (embedding code can build one to mount the routes itself). */
export function createBiometricsService(options: BiometricsOptions): BiometricsService {
  const { weights, fingerprint } = loadBiometricsWeights();
  const model = new VoiceprintModel(weights);
  const store = new VoiceprintStore(resolve(options.directory), options.key);
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
