// The `emotion` plugin: per utterance and over the recent call, the caller's emotion (label,
// class scores, arousal, valence), with the transcripts' sentiment fused into valence when the
// ASR plugin runs, and escalation events when a class stays high ("angry above 0.7 for 5 s").
import { filter, ignoreElements, merge, mergeMap, type Observable, tap } from "rxjs";
import { definePlugin, type EventInput, type Static, StringEnum, Type } from "../../core/mod.ts";
import { activeFrames, checkSpeech, type FeatureFrame, RollingEstimate, sessionFeatures, sessionSegments, type SpeechSegment } from "../../media/mod.ts";
import { EscalationTracker } from "./escalation.ts";
import "./events.ts";
import { emotionFeatures } from "./features.ts";
import { describe, EMOTION_CLASSES, EmotionModel, round } from "./model.ts";
import { SpeakerBaseline } from "./speaker-baseline.ts";
import { textSentiment } from "./sentiment.ts";

/** Options of the emotion plugin (all optional; defaults in the schema). */
export const EmotionOptions = Type.Object({
  /** Voiced speech an utterance needs to be scored, ms. */
  minVoicedMs: Type.Number({ minimum: 0, default: 500 }),
  /** Media time the rolling estimate looks back over, ms. */
  rollingWindowMs: Type.Number({ minimum: 1000, default: 20000 }),
  /** A rolling estimate is emitted at least this often (also in silence), ms of media time. */
  rollingIntervalMs: Type.Number({ minimum: 100, default: 5000 }),
  /** Speech the rolling window needs before it gives a label, ms. */
  minRollingSpeechMs: Type.Number({ minimum: 0, default: 1000 }),
  /** Weight of the transcripts' sentiment in valence (0 ignores them). */
  textWeight: Type.Number({ minimum: 0, maximum: 1, default: 0.3 }),
  /** Escalation rules, checked on every rolling estimate. */
  escalations: Type.Array(
    Type.Object({
      label: StringEnum(EMOTION_CLASSES),
      threshold: Type.Number({ minimum: 0, maximum: 1 }),
      forMs: Type.Number({ minimum: 0 }),
    }, { additionalProperties: false }),
    { default: [{ label: "angry", threshold: 0.7, forMs: 5000 }] },
  ),
  /**
   * Score utterances relative to the caller's own baseline (the mean and spread of their
   * utterances so far) once this many have been heard; 0 (the default) never does. Better than
   * the default only after 10 to 20 utterances of a caller whose mood varies (see the model card),
   * and blind to one who is angry from the start.
   */
  speakerBaselineUtterances: Type.Integer({ minimum: 0, default: 0 }),
}, { additionalProperties: false });

/** Options of the emotion plugin. */
export type EmotionOptions = Static<typeof EmotionOptions>;

const EVEN_SCORES = { neutral: 0.25, happy: 0.25, sad: 0.25, angry: 0.25 };

/** The emotion plugin. `server.use(emotion, { escalations: [{ label: "angry", threshold: 0.7, forMs: 5000 }] })`. */
export const emotion = definePlugin({
  name: "emotion",
  version: "1.0.0",
  options: EmotionOptions,
  setup(context, options) {
    const model = new EmotionModel();
    const utterances = context.metrics.counter("parley_emotion_utterances_total", "Utterances scored by the emotion plugin, by label (unknown: not enough speech)", ["label"]);
    const escalations = context.metrics.counter("parley_emotion_escalations_total", "Escalation rules that fired, by label", ["label"]);
    return (session) => emotionEvents({ features$: sessionFeatures(session), segments$: sessionSegments(session), events$: session.events$ }, model, options).pipe(
      tap((event) => {
        if (event.type === "emotion" && event.scope === "utterance") utterances.inc({ label: event.label });
        else if (event.type === "emotion.escalation") escalations.inc({ label: event.label });
      }),
    );
  },
});

/** What the plugin reads of a session: its shared feature and segment streams and its events. */
export interface EmotionInput {
  features$: Observable<FeatureFrame>;
  segments$: Observable<SpeechSegment>;
  events$: Observable<{ type: string }>;
}

/** The emotion events of one session's streams (the plugin's per-session work, callable on any streams). */
export function emotionEvents(input: EmotionInput, model: EmotionModel, options: EmotionOptions): Observable<EventInput> {
  const rolling = new RollingEstimate(EMOTION_CLASSES.length, options.rollingWindowMs);
  const escalations = new EscalationTracker(options.escalations);
  const baseline = new SpeakerBaseline();
  const baselineUtterances = options.speakerBaselineUtterances;
  const texts: { endMs: number; sentiment: number }[] = [];
  let lastRollingMs = 0;
  let lastRejection = "silence";

  const recentText = (nowMs: number): number | undefined => {
    const recent = texts.filter((t) => t.endMs >= nowMs - options.rollingWindowMs && t.sentiment !== 0);
    return recent.length > 0 ? round(recent.reduce((sum, t) => sum + t.sentiment, 0) / recent.length) : undefined;
  };

  const rollingEvents = (nowMs: number): EventInput[] => {
    lastRollingMs = nowMs;
    const estimate = rolling.at(nowMs);
    const startMs = Number.isNaN(estimate.sinceMs) ? Math.max(0, nowMs - options.rollingWindowMs) : estimate.sinceMs;
    const text = recentText(nowMs);
    if (estimate.weight < options.minRollingSpeechMs) {
      return [{ type: "emotion", scope: "rolling", status: "insufficient_speech", reason: lastRejection, label: "unknown", scores: EVEN_SCORES, arousal: 0, valence: 0, textSentiment: text, startMs, endMs: nowMs, speechMs: estimate.weight }];
    }
    const described = describe(estimate.values);
    const valence = text === undefined ? described.valence : round((1 - options.textWeight) * described.valence + options.textWeight * text);
    const event: EventInput = { type: "emotion", scope: "rolling", status: "ok", ...described, valence, textSentiment: text, startMs, endMs: nowMs, speechMs: estimate.weight };
    const fired = escalations.update(described.scores, startMs, nowMs).map((e): EventInput => ({ type: "emotion.escalation", ...e }));
    return [event, ...fired];
  };

  const scoreUtterance = (segment: SpeechSegment): EventInput[] => {
    const frames = activeFrames(segment.frames);
    const check = checkSpeech(frames, { minVoicedMs: options.minVoicedMs });
    const base = { type: "emotion" as const, scope: "utterance" as const, startMs: segment.startMs, endMs: segment.endMs, speechMs: check.voicedMs };
    if (!check.sufficient) {
      lastRejection = check.reason ?? "silence";
      return [{ ...base, status: "insufficient_speech", reason: check.reason, label: "unknown", scores: EVEN_SCORES, arousal: 0, valence: 0 }];
    }
    const features = emotionFeatures(frames);
    if (baselineUtterances > 0) baseline.add(features);
    const relative = baselineUtterances > 0 && baseline.utterances >= baselineUtterances;
    const probabilities = relative ? model.normalisedProbabilitiesOf(baseline.normalise(features)) : model.probabilitiesOf(features);
    rolling.add(segment.startMs, segment.endMs, check.voicedMs, probabilities);
    return [{ ...base, status: "ok", ...describe(probabilities), speakerNormalised: relative }, ...rollingEvents(segment.endMs)];
  };

  // Transcripts (from the ASR plugin, when it runs) only feed the text sentiment.
  const transcripts$ = input.events$.pipe(
    filter((event) => event.type === "transcript"),
    tap((event) => {
      const { text, endMs } = event as { text?: unknown; endMs?: unknown };
      if (typeof text === "string") texts.push({ endMs: typeof endMs === "number" ? endMs : lastRollingMs, sentiment: textSentiment(text) });
      if (texts.length > 100) texts.shift();
    }),
    ignoreElements(),
  );
  const utterances$ = input.segments$.pipe(mergeMap(scoreUtterance));
  const ticks$ = input.features$.pipe(
    filter((frame) => frame.timestamp - lastRollingMs >= options.rollingIntervalMs),
    mergeMap((frame) => rollingEvents(frame.timestamp)),
  );
  return merge(utterances$, ticks$, transcripts$);
}
