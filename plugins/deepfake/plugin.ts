// The `deepfake` plugin: per utterance and over the recent call, how likely the caller's voice
// is synthetic, with a verdict at a configurable operating point. 8 kHz calls are scored by the
// telephone-band model, whose verdicts are marked unreliable.
import { filter, merge, mergeMap, type Observable, tap } from "rxjs";
import { definePlugin, type EventInput } from "../../core/mod.ts";
import { activeFrames, checkSpeech, type FeatureFrame, RollingEstimate, sessionFeatures, sessionSegments, type SpeechSegment } from "../../media/mod.ts";
import "./events.ts";
import { channelFor, type DeepfakeChannel, DeepfakeModel } from "./model.ts";

/** Options of the deepfake plugin (all optional; defaults in the schema). */
export interface DeepfakeOptions {
  /** LLR threshold of the "synthetic" verdict; default: each model's equal-error point (Opus calls: the wideband model's through Opus). Raise it for fewer false alarms. */
  threshold?: number;
  /** Voiced speech an utterance needs to be scored, ms. */
  minVoicedMs: number;
  /** Media time the rolling score looks back over, ms. */
  rollingWindowMs: number;
  /** A rolling score is emitted at least this often (also in silence), ms of media time. */
  rollingIntervalMs: number;
  /** Speech the rolling window needs before it gives a verdict, ms. */
  minRollingSpeechMs: number;
}

/** The deepfake plugin. `server.use(deepfake, { threshold: 2 })`. */
export const deepfake = definePlugin<DeepfakeOptions>({
  name: "deepfake",
  version: "1.0.0",
  options: {
    type: "object",
    additionalProperties: false,
    properties: {
      threshold: { type: "number" },
      minVoicedMs: { type: "number", minimum: 0, default: 1000 },
      rollingWindowMs: { type: "number", minimum: 1000, default: 30000 },
      rollingIntervalMs: { type: "number", minimum: 100, default: 5000 },
      minRollingSpeechMs: { type: "number", minimum: 0, default: 2000 },
    },
  },
  setup(server, options) {
    const model = new DeepfakeModel();
    const verdicts = server.metrics.counter("parley_deepfake_verdicts_total", "Utterances scored by the deepfake plugin, by verdict and model", ["verdict", "model"]);
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
  const threshold = options.threshold ?? model.threshold(channel, input.codec);
  const rolling = new RollingEstimate(1, options.rollingWindowMs);
  let lastRollingMs = 0;
  let lastRejection = "silence";
  const common = { threshold, model: channel, reliable: channel === "wideband" };

  const verdictEvent = (scope: "utterance" | "rolling", llr: number, startMs: number, endMs: number, speechMs: number): EventInput => ({
    type: "deepfake", scope, status: "ok", verdict: llr >= threshold ? "synthetic" : "bonafide",
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
