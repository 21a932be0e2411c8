// The `deepfake` plugin: per utterance and over the call so far, how likely the caller's voice
// is synthetic. The verdict is "synthetic" only on strong evidence accumulated over the call (a
// configurable false-alarm rate on real callers, default 1%), "uncertain" in between. 8 kHz
// calls are scored by the telephone-band model, whose verdicts are marked unreliable.
import { filter, merge, mergeMap, type Observable, tap } from "rxjs";
import { definePlugin, type EventInput, type Static, Type } from "../../core/mod.ts";
import { activeFrames, checkSpeech, type FeatureFrame, RollingEstimate, sessionFeatures, sessionSegments, type SpeechSegment } from "../../media/mod.ts";
import "./events.ts";
import { channelFor, type DeepfakeChannel, DeepfakeModel } from "./model.ts";

/** Options of the deepfake plugin (all optional; defaults in the schema). */
export const DeepfakeOptions = Type.Object({
  /**
   * Share of real callers (on lines the model never heard) the "synthetic" verdict may be given to:
   * sets its threshold from the model's held-out real speech (Opus calls: measured through Opus).
   */
  falseAlarmRate: Type.Number({ exclusiveMinimum: 0, maximum: 0.5, default: 0.01 }),
  /** LLR threshold of the "synthetic" verdict, instead of the one `falseAlarmRate` gives. */
  threshold: Type.Optional(Type.Number()),
  /** Voiced speech an utterance needs to be scored, ms. */
  minVoicedMs: Type.Number({ minimum: 0, default: 1000 }),
  /** Media time the rolling score looks back over, ms: long, so evidence accumulates over the call. */
  rollingWindowMs: Type.Number({ minimum: 1000, default: 120000 }),
  /** A rolling score is emitted at least this often (also in silence), ms of media time. */
  rollingIntervalMs: Type.Number({ minimum: 100, default: 5000 }),
  /** Speech the rolling window needs before it gives a verdict, ms. */
  minRollingSpeechMs: Type.Number({ minimum: 0, default: 3000 }),
}, { additionalProperties: false });

/** Options of the deepfake plugin. */
export type DeepfakeOptions = Static<typeof DeepfakeOptions>;

/** The deepfake plugin. `server.use(deepfake, { falseAlarmRate: 0.005 })`. */
export const deepfake = definePlugin({
  name: "deepfake",
  version: "1.0.0",
  options: DeepfakeOptions,
  setup(context, options) {
    const model = new DeepfakeModel();
    const verdicts = context.metrics.counter("parley_deepfake_verdicts_total", "Utterances scored by the deepfake plugin, by verdict and model", ["verdict", "model"]);
    return (session) => deepfakeEvents({ features$: sessionFeatures(session), segments$: sessionSegments(session), channel: channelFor(session.info.sampleRate), codec: session.info.codec }, model, options).pipe(
      tap((event) => {
        if (event.type === "deepfake" && event.scope === "utterance") verdicts.inc({ verdict: event.verdict, model: event.model });
      }),
    );
  },
});

/** What the plugin reads of a session. */
export interface DeepfakeInput {
  features$: Observable<FeatureFrame>;
  segments$: Observable<SpeechSegment>;
  /** The model to use (by the call's codec bandwidth). */
  channel: DeepfakeChannel;
  /** The call's codec: one that shifts the scores (Opus) has an operating point of its own. */
  codec?: string;
}

/** The deepfake events of one session's streams (the plugin's per-session work, callable on any streams). */
export function deepfakeEvents(input: DeepfakeInput, model: DeepfakeModel, options: DeepfakeOptions): Observable<EventInput> {
  const { channel } = input;
  const thresholds = model.thresholds(channel, options.falseAlarmRate, input.codec);
  const threshold = options.threshold ?? thresholds.synthetic;
  const uncertainThreshold = Math.min(thresholds.uncertain, threshold);
  const rolling = new RollingEstimate(1, options.rollingWindowMs);
  let lastRollingMs = 0;
  let lastRejection = "silence";
  const common = { threshold, uncertainThreshold, model: channel, reliable: channel === "wideband" };

  // One utterance is too little evidence for "synthetic"; the rolling score over the call may say it.
  const verdictOf = (scope: "utterance" | "rolling", llr: number) =>
    llr >= threshold && scope === "rolling" ? "synthetic" : llr >= uncertainThreshold ? "uncertain" : "bonafide";
  const verdictEvent = (scope: "utterance" | "rolling", llr: number, startMs: number, endMs: number, speechMs: number): EventInput => ({
    type: "deepfake", scope, status: "ok", verdict: verdictOf(scope, llr),
    score: round(1 / (1 + Math.exp(-llr))), llr: round(llr), ...common, startMs, endMs, speechMs,
  });
  const insufficient = (scope: "utterance" | "rolling", reason: string | undefined, startMs: number, endMs: number, speechMs: number): EventInput => ({
    type: "deepfake", scope, status: "insufficient_speech", reason, verdict: "insufficient_speech", score: 0.5, llr: 0, ...common, startMs, endMs, speechMs,
  });

  const rollingEvent = (nowMs: number): EventInput => {
    lastRollingMs = nowMs;
    const estimate = rolling.at(nowMs);
    const startMs = Number.isNaN(estimate.sinceMs) ? Math.max(0, nowMs - options.rollingWindowMs) : estimate.sinceMs;
    if (estimate.weight < options.minRollingSpeechMs) return insufficient("rolling", lastRejection, startMs, nowMs, estimate.weight);
    return verdictEvent("rolling", estimate.values[0]!, startMs, nowMs, estimate.weight);
  };

  const scoreUtterance = (segment: SpeechSegment): EventInput[] => {
    const frames = activeFrames(segment.frames);
    const check = checkSpeech(frames, { minVoicedMs: options.minVoicedMs });
    if (!check.sufficient) {
      lastRejection = check.reason ?? "silence";
      return [insufficient("utterance", check.reason, segment.startMs, segment.endMs, check.voicedMs)];
    }
    const llr = model.llr(frames, channel);
    rolling.add(segment.startMs, segment.endMs, check.voicedMs, [llr]);
    return [verdictEvent("utterance", llr, segment.startMs, segment.endMs, check.voicedMs), rollingEvent(segment.endMs)];
  };

  const utterances$ = input.segments$.pipe(mergeMap(scoreUtterance));
  const ticks$ = input.features$.pipe(
    filter((frame) => frame.timestamp - lastRollingMs >= options.rollingIntervalMs),
    mergeMap((frame) => [rollingEvent(frame.timestamp)]),
  );
  return merge(utterances$, ticks$);
}

function round(value: number): number {
  return Math.round(value * 1e4) / 1e4;
}
