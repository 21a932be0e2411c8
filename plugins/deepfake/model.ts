// The trained synthetic-voice classifiers (model/weights.json, written by
// `npm run train:deepfake`): one for wideband calls, one for telephone-band (8 kHz) calls, each
// with its operating points measured on real speech of demo pages left out of training.
import { readFileSync } from "node:fs";
import { type FeatureFrame, LinearClassifier, type LinearClassifierWeights } from "../../media/mod.ts";
import { DEEPFAKE_FEATURE_NAMES, type DeepfakeChannel, deepfakeFeatures } from "./features.ts";

export type { DeepfakeChannel } from "./features.ts";

/** The LLR threshold at which `falseAlarmRate` of real speech unseen in training scored at or above it. */
export interface FalseAlarmPoint {
  falseAlarmRate: number;
  threshold: number;
}

/** Where the verdicts change, for one channel (or one codec of it). */
export interface DeepfakeOperatingPoints {
  /** Thresholds at several false-alarm rates on real speech (ascending rates, so descending thresholds). */
  falseAlarmCurve: FalseAlarmPoint[];
  /** LLR from which the verdict is at least "uncertain": the equal-error point of the held-out scores. */
  uncertainThreshold: number;
}

/** One channel's classifier and its operating points. */
export interface DeepfakeChannelWeights extends DeepfakeOperatingPoints {
  /** Names of the classifier's inputs (DEEPFAKE_FEATURE_NAMES of the channel it was trained for). */
  inputs: string[];
  classifier: LinearClassifierWeights;
  /** Operating points of calls whose codec shifts the scores (Opus on wideband calls), measured through that codec. */
  codecs?: Record<string, DeepfakeOperatingPoints>;
}

/** The JSON weight file. */
export interface DeepfakeWeights {
  format: 3;
  wideband: DeepfakeChannelWeights;
  telephone: DeepfakeChannelWeights;
}

/** The thresholds a call is judged at: "synthetic" from `synthetic`, "uncertain" from `uncertain`. */
export interface DeepfakeThresholds {
  synthetic: number;
  uncertain: number;
}

/** Reads the committed weights (or the file at `path`). */
export function loadDeepfakeWeights(path: string | URL = new URL("./model/weights.json", import.meta.url)): DeepfakeWeights {
  return JSON.parse(readFileSync(path, "utf8")) as DeepfakeWeights;
}

/** The channel whose model suits a codec of `sampleRate` Hz. */
export function channelFor(sampleRate: number): DeepfakeChannel {
  return sampleRate <= 8000 ? "telephone" : "wideband";
}

/** The threshold of `curve` at `falseAlarmRate`, interpolated on a log scale of the rate (clamped to the curve's ends). */
export function thresholdAt(curve: readonly FalseAlarmPoint[], falseAlarmRate: number): number {
  if (falseAlarmRate <= curve[0]!.falseAlarmRate) return curve[0]!.threshold;
  for (let i = 1; i < curve.length; i++) {
    const [low, high] = [curve[i - 1]!, curve[i]!];
    if (falseAlarmRate <= high.falseAlarmRate) {
      const t = Math.log(falseAlarmRate / low.falseAlarmRate) / Math.log(high.falseAlarmRate / low.falseAlarmRate);
      return low.threshold + t * (high.threshold - low.threshold);
    }
  }
  return curve.at(-1)!.threshold;
}

/** Both classifiers. */
export class DeepfakeModel {
  readonly #classifiers: Record<DeepfakeChannel, LinearClassifier>;
  readonly #weights: DeepfakeWeights;

  /** Loads `weights`; throws when they were trained for other features than this code computes. */
  constructor(weights: DeepfakeWeights = loadDeepfakeWeights()) {
    const matches = (channel: DeepfakeChannel) => weights[channel]?.inputs?.join() === DEEPFAKE_FEATURE_NAMES[channel].join();
    if (weights.format !== 3 || !matches("wideband") || !matches("telephone")) throw new Error("deepfake weights do not match this version's features; run npm run train:deepfake");
    this.#classifiers = { wideband: new LinearClassifier(weights.wideband.classifier), telephone: new LinearClassifier(weights.telephone.classifier) };
    this.#weights = weights;
  }

  /**
   * The thresholds of a call scored by `channel`'s model over `codec` at which `falseAlarmRate`
   * of real callers on lines the model never heard would be called synthetic ("uncertain" from
   * the equal-error point, or from the synthetic threshold if that is lower).
   */
  thresholds(channel: DeepfakeChannel, falseAlarmRate: number, codec?: string): DeepfakeThresholds {
    const points = (codec !== undefined ? this.#weights[channel].codecs?.[codec] : undefined) ?? this.#weights[channel];
    const synthetic = thresholdAt(points.falseAlarmCurve, falseAlarmRate);
    return { synthetic, uncertain: Math.min(points.uncertainThreshold, synthetic) };
  }

  /** Log-likelihood ratio synthetic over bona fide of one utterance's active frames. */
  llr(frames: readonly FeatureFrame[], channel: DeepfakeChannel): number {
    const logits = this.#classifiers[channel].logits(deepfakeFeatures(frames, channel));
    return logits[1]! - logits[0]!;
  }
}
